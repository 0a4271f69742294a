"""One mail address, checked: the product sends to exactly the address it was given.

A recipient field that held ``"a@x.com, b@y.com"`` or ``"Name <a@x>"`` would make
``To:`` reach two people, or someone else; a line break would add headers. Every address
the product stores to mail later, and every recipient the email channel writes, goes
through :func:`one_address` (email-validator's syntax check, no DNS lookup: whether a
domain takes mail is the mail server's business, and a lookup is I/O).
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

#: RFC 5321's longest forward path.
MAX_ADDRESS_LENGTH = 320


class NotOneAddress(ValueError):
    """The value is not exactly one mail address."""


def one_address(value: str) -> str:
    """The address, normalised (domain lower-cased, IDNA); raises :class:`NotOneAddress`
    for anything but exactly one bare ``local@domain``."""
    if len(value) > MAX_ADDRESS_LENGTH:
        raise NotOneAddress(f"an address has at most {MAX_ADDRESS_LENGTH} characters")
    try:
        # Special-use domains (.local, .test) pass: a team may mail inside its own network.
        checked = validate_email(value, check_deliverability=False,
                                 globally_deliverable=False, allow_display_name=False)
    except EmailNotValidError as error:
        raise NotOneAddress(f"not one mail address ({error})") from None
    return checked.normalized

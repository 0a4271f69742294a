"""Mail addresses: exactly one address per recipient, whatever interface it came through.

A text such as ``"a@x.com, b@y.com"`` or ``"a@x.com\\r\\nBcc: b@y.com"`` would reach two
people through an SMTP envelope or a header; ``email_validator`` accepts one bare address
and nothing else (no display name, no list, no control characters).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field


def one_address(value: str) -> str:
    """The address, normalised; ``ValueError`` unless the text is exactly one address."""
    # Imported here: the domain's modules load inside Temporal's workflow sandbox too.
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(f"not one email address: {error}") from None


def same_address(first: str | None, second: str | None) -> bool:
    """Whether two addresses name the same mailbox (the domain's case does not count)."""
    if first is None or second is None:
        return False
    try:
        return one_address(first).casefold() == one_address(second).casefold()
    except ValueError:
        return False


#: An input field holding one mail address (pydantic's ``EmailStr`` also takes
#: ``Name <a@x>``, which this refuses: a display name is no part of an address).
Address = Annotated[str, Field(min_length=3, max_length=320), AfterValidator(one_address)]

"""Matching an inbound email to its ticket.

The ticket is found from ``In-Reply-To``/``References`` (our Message-IDs carry the ticket
id) or a ``[TCK-…]`` reference in the subject. A reply counts on that ticket only from the
customer's own address; from any other address it opens a new ticket at the back of the
queue (360dialog's rule), so a stranger cannot steer someone else's ticket.
"""

from __future__ import annotations

import re

from sqlmodel import Session, col, func, select

from store.models import Customer, Ticket

_TICKET_IN_ID = re.compile(r"<(TCK-[0-9A-F]+)(?:\.\d+)?@", re.IGNORECASE)
_TICKET_IN_SUBJECT = re.compile(r"\[(TCK-[0-9A-F]+)\]", re.IGNORECASE)
_ADDRESS = re.compile(r"<([^<>@\s]+@[^<>\s]+)>|([^<>@\s]+@[^<>\s]+)")


def address_of(sender: str) -> str:
    """``"Ana <ana@x.com>"`` -> ``ana@x.com`` (lower case)."""
    match = _ADDRESS.search(sender)
    return (match.group(1) or match.group(2)).lower() if match else sender.strip().lower()


def referenced_ticket(session: Session, subject: str, *message_ids: str) -> Ticket | None:
    for text in message_ids:
        for found in _TICKET_IN_ID.findall(text or ""):
            ticket = session.get(Ticket, found.upper())
            if ticket is not None:
                return ticket
    for found in _TICKET_IN_SUBJECT.findall(subject or ""):
        ticket = session.get(Ticket, found.upper())
        if ticket is not None:
            return ticket
    return None


def customer_by_address(session: Session, address: str) -> Customer | None:
    query = select(Customer).where(func.lower(Customer.email) == address).order_by(
        col(Customer.id))
    return session.exec(query).first()


def clean_subject(subject: str) -> str:
    text = _TICKET_IN_SUBJECT.sub("", subject)
    text = re.sub(r"^\s*((re|fw|fwd|aw|sv|rv)\s*:\s*)+", "", text, flags=re.IGNORECASE)
    return text.strip() or "(no subject)"

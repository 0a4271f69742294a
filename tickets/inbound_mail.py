"""Matching an inbound email to its ticket.

The ticket is found from ``In-Reply-To``/``References`` (our Message-IDs carry the ticket
id) or a ``[TCK-…]`` reference in the subject. A reply counts on that ticket only from the
customer's own address; from any other address it opens a new ticket at the back of the
queue (360dialog's rule), so a stranger cannot steer someone else's ticket.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session, col, func, select

from store.models import Customer, Ticket
from tickets.commands import change_ticket
from tickets.errors import invalid
from tickets.inputs import TicketCreate
from tickets.opening import EntryPoint, open_ticket
from tickets.services import AppResources
from workflows.messages import CustomerReply

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


@dataclass(frozen=True)
class InboundMail:
    """An email as the mail provider's webhook hands it over, secrets already masked."""

    sender: str
    subject: str
    message_id: str
    in_reply_to: str
    references: str
    text: str


@dataclass(frozen=True)
class Threaded:
    ticket_id: str
    action: Literal["reply", "new_ticket"]
    detail: str


async def thread_mail(resources: AppResources, session: Session,
                      mail: InboundMail) -> Threaded:
    """A reply from the customer's own address joins its ticket (matched by In-Reply-To,
    References or the subject's ``[TCK-…]``); from another address, or to a closed ticket,
    it opens a new ticket. A mail that names no ticket opens one for the sender's
    customer; one from an address no customer has is ``Invalid``."""
    address = address_of(mail.sender)
    ticket = await asyncio.to_thread(lambda: referenced_ticket(
        session, mail.subject, mail.in_reply_to, mail.references))
    wait = resources.wait
    customer: Customer | None
    if ticket is not None:
        customer_id = ticket.customer_id
        customer = await asyncio.to_thread(lambda: session.get(Customer, customer_id))
        own_address = customer is not None and (customer.email or "").lower() == address
        if own_address and ticket.status != "closed":
            await change_ticket(resources.temporal, session, ticket.id,
                                CustomerReply(body=mail.text, message_id=mail.message_id), wait)
            return Threaded(ticket.id, "reply", f"recorded as the customer's reply on {ticket.id}")
        why = (f"a reply from {address}, not the customer's address, to {ticket.id}"
               if not own_address else f"a reply to {ticket.id}, which is closed")
    else:
        customer = await asyncio.to_thread(lambda: customer_by_address(session, address))
        why = f"a new email from {address}"
    if customer is None or customer.id is None:
        raise invalid(("body", "from"),
                      f"no customer has the address {address} and the mail names no ticket")
    request = TicketCreate(
        customer_id=customer.id, subject=clean_subject(mail.subject)[:300],
        description=f"{mail.text}\n\n({why})"[:20_000], severity="minor", type="problem",
        channel="email",
    )
    opened = await open_ticket(resources, session, request, EntryPoint.EMAIL,
                               f"mail:{mail.message_id}", customer=customer)
    detail = f"opened a new ticket: {why}"
    if opened.intake_missing:
        detail += (f"; intake incomplete (missing {', '.join(opened.intake_missing)}): the "
                   "customer is asked for them")
    return Threaded(opened.ticket_id, "new_ticket", detail)

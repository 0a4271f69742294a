"""Matching an inbound email to its ticket.

The ticket is found from ``In-Reply-To``/``References`` (our Message-IDs carry the ticket
id) or a ``[TCK-…]`` reference in the subject. The sender is the one address of the From
header, read by the RFC 5322 parser (``tickets.mail_providers.sender_address``); a mail
whose sender is no customer's address is not threaded at all (``UnknownSender``: the
quarantine keeps it). A reply counts on that ticket only from the ticket's customer's own
address; from another customer's address it opens a new ticket for that customer, at the
back of the queue (360dialog's rule), so nobody can steer someone else's ticket.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session, col, func, select

from store.models import Customer, Ticket
from tickets.commands import change_ticket
from tickets.errors import TicketError
from tickets.inputs import TicketCreate
from tickets.mail_providers import sender_address
from tickets.opening import EntryPoint, open_ticket
from tickets.services import AppResources
from workflows.messages import CustomerReply

_TICKET_IN_ID = re.compile(r"<(TCK-[0-9A-F]+)(?:\.\d+)?@", re.IGNORECASE)
_TICKET_IN_SUBJECT = re.compile(r"\[(TCK-[0-9A-F]+)\]", re.IGNORECASE)


class UnknownSender(TicketError):
    """The mail's From is not exactly one address of a customer: it is not threaded."""


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


async def thread_mail(resources: AppResources, session: Session, mail: InboundMail,
                      as_customer: Customer | None = None) -> Threaded:
    """A reply from the ticket's customer's own address joins its ticket (matched by
    In-Reply-To, References or the subject's ``[TCK-…]``); from another customer's address,
    or to a closed ticket, it opens a new ticket for the sender's customer, as does a mail
    that names no ticket. ``as_customer``: an agent said whose mail it is (a quarantined
    one), and it is threaded as if from that customer's address. A sender that is not one
    customer's address raises ``UnknownSender``."""
    if as_customer is not None:
        customer: Customer | None = as_customer
        address = (as_customer.email or "").lower()
    else:
        found = sender_address(mail.sender)
        if found is None:
            raise UnknownSender(f"the From {mail.sender[:200]!r} is not exactly one valid "
                                "address")
        address = found
        customer = await asyncio.to_thread(lambda: customer_by_address(session, found))
        if customer is None:
            raise UnknownSender(f"no customer has the address {address}")
    if customer is None or customer.id is None:
        raise UnknownSender("the customer has no id")
    sender = customer
    ticket = await asyncio.to_thread(lambda: referenced_ticket(
        session, mail.subject, mail.in_reply_to, mail.references))
    wait = resources.wait
    if ticket is not None:
        own = ticket.customer_id == sender.id
        if not own and as_customer is None:
            # Several customers may share an address: the ticket's own one counts.
            owner_id = ticket.customer_id
            owner = await asyncio.to_thread(lambda: session.get(Customer, owner_id))
            own = owner is not None and (owner.email or "").lower() == address
            if own and owner is not None:
                sender = owner
        if own and ticket.status != "closed":
            await change_ticket(resources.temporal, session, ticket.id,
                                CustomerReply(body=mail.text, message_id=mail.message_id), wait)
            return Threaded(ticket.id, "reply", f"recorded as the customer's reply on {ticket.id}")
        why = (f"a reply from {address}, not the customer's address, to {ticket.id}"
               if not own else f"a reply to {ticket.id}, which is closed")
    else:
        why = f"a new email from {address}"
    request = TicketCreate(
        customer_id=sender.id or customer.id, subject=clean_subject(mail.subject)[:300],
        description=f"{mail.text}\n\n({why})"[:20_000], severity="minor", type="problem",
        channel="email",
    )
    opened = await open_ticket(resources, session, request, EntryPoint.EMAIL,
                               f"mail:{mail.message_id}", customer=sender)
    detail = f"opened a new ticket: {why}"
    if opened.intake_missing:
        detail += (f"; intake incomplete (missing {', '.join(opened.intake_missing)}): the "
                   "customer is asked for them")
    return Threaded(opened.ticket_id, "new_ticket", detail)

"""Inbound mail that is not threaded by itself: kept in the quarantine, and threaded or
dropped by an agent. Every door that takes mail (the JSON API, the Mailgun and Postmark
webhooks) comes through :func:`receive` or :func:`refuse`; the console and the JSON API
decide through :func:`assign` and :func:`drop`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlmodel import Session

from sla.vocabulary import MailProvider, QuarantineReason, QuarantineStatus
from store.models import Customer, QuarantinedMail
from store.quarantine import claim, keep, record_ticket, release
from tickets.errors import NotFound, Refused
from tickets.inbound_mail import InboundMail, Threaded, UnknownSender, thread_mail
from tickets.services import AppResources


@dataclass(frozen=True)
class Quarantined:
    quarantine_id: int
    reason: QuarantineReason
    detail: str


def _keep(resources: AppResources, session: Session, *, provider: MailProvider,
          reason: QuarantineReason, verified: bool, raw: str,
          mail: InboundMail | None) -> QuarantinedMail:
    settings = resources.settings
    return keep(session, provider=provider, reason=reason, verified=verified, raw=raw,
                max_raw_chars=settings.inbound_quarantine_max_bytes,
                max_unverified=settings.inbound_quarantine_max_unverified,
                sender=mail.sender if mail else "", subject=mail.subject if mail else "",
                message_id=mail.message_id if mail else "",
                thread_refs=f"{mail.in_reply_to} {mail.references}".strip() if mail else "",
                text=mail.text if mail else "")


async def receive(resources: AppResources, session: Session, mail: InboundMail,
                  provider: MailProvider, raw: str) -> Threaded | Quarantined:
    """A verified mail: threaded, or quarantined when its sender is no customer's."""
    try:
        return await thread_mail(resources, session, mail)
    except UnknownSender as unknown:
        row = await asyncio.to_thread(lambda: _keep(
            resources, session, provider=provider, reason=QuarantineReason.UNKNOWN_SENDER,
            verified=True, raw=raw, mail=mail))
        assert row.id is not None
        return Quarantined(row.id, QuarantineReason.UNKNOWN_SENDER,
                           f"quarantined: {unknown.detail}; an agent assigns it to a "
                           "customer or drops it")


async def refuse(resources: AppResources, session: Session, provider: MailProvider, raw: str,
                 mail: InboundMail | None) -> QuarantinedMail:
    """A post whose forwarding-service credential failed: kept, never threaded."""
    return await asyncio.to_thread(lambda: _keep(
        resources, session, provider=provider, reason=QuarantineReason.BAD_SIGNATURE,
        verified=False, raw=raw, mail=mail))


def _claim(session: Session, quarantine_id: int, status: QuarantineStatus,
           by: str) -> QuarantinedMail:
    """The held mail, now marked ``status`` by ``by``; refused if someone decided first."""
    if not claim(session, quarantine_id, status, by):
        row = session.get(QuarantinedMail, quarantine_id)
        if row is None:
            raise NotFound(f"no quarantined mail {quarantine_id}")
        session.refresh(row)
        raise Refused(f"quarantined mail {quarantine_id} is {row.status} already "
                      f"(by {row.decided_by})")
    row = session.get(QuarantinedMail, quarantine_id)
    assert row is not None
    session.refresh(row)
    return row


async def assign(resources: AppResources, session: Session, quarantine_id: int,
                 customer_id: int, by: str) -> Threaded:
    """Threads the mail as if the customer had sent it (the same ``thread_mail``)."""
    customer = await asyncio.to_thread(lambda: session.get(Customer, customer_id))
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    # Claimed before threading, so two agents assigning at once thread it once.
    row = await asyncio.to_thread(lambda: _claim(session, quarantine_id,
                                                 QuarantineStatus.ASSIGNED, by))
    mail = InboundMail(sender=row.sender, subject=row.subject,
                       message_id=row.message_id or f"<quarantine-{row.id}@inbound>",
                       in_reply_to="", references=row.thread_refs, text=row.text)
    try:
        threaded = await thread_mail(resources, session, mail, as_customer=customer)
    except BaseException:
        await asyncio.to_thread(lambda: release(session, quarantine_id))
        raise
    await asyncio.to_thread(lambda: record_ticket(session, quarantine_id, threaded.ticket_id))
    return threaded


async def drop(session: Session, quarantine_id: int, by: str) -> QuarantinedMail:
    """Off the list; the row stays, marked dropped and by whom."""
    return await asyncio.to_thread(lambda: _claim(session, quarantine_id,
                                                  QuarantineStatus.DROPPED, by))

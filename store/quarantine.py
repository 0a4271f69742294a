"""The inbound-mail quarantine: mails kept instead of threaded, until an agent decides."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlmodel import Session, col, delete, func, select, update

from sla.vocabulary import MailProvider, QuarantineReason, QuarantineStatus
from store.models import QuarantinedMail

log = logging.getLogger(__name__)


#: What one page of the console (or the JSON list) shows at most.
LIST_LIMIT = 200


def keep(session: Session, *, provider: MailProvider, reason: QuarantineReason,
         verified: bool, raw: str, max_raw_chars: int, max_unverified: int, sender: str = "",
         subject: str = "", message_id: str = "", thread_refs: str = "",
         text: str = "") -> QuarantinedMail:
    """Stores the mail, its fields cut to their columns; an unverified one may push the
    oldest unverified rows out, so what anyone can post stays within ``max_unverified``."""
    row = QuarantinedMail(provider=provider.value, reason=reason.value, verified=verified,
                          raw=raw[:max_raw_chars], sender=sender[:500], subject=subject[:1000],
                          message_id=message_id[:1000], thread_refs=thread_refs[:11_000],
                          text=text[:100_000])
    session.add(row)
    session.commit()
    session.refresh(row)
    if not verified:
        _trim_unverified(session, max_unverified)
    return row


def _trim_unverified(session: Session, max_unverified: int) -> None:
    count = session.exec(select(func.count()).select_from(QuarantinedMail).where(
        col(QuarantinedMail.verified).is_(False),
        QuarantinedMail.status == QuarantineStatus.HELD.value)).one()
    excess = count - max_unverified
    if excess <= 0:
        return
    oldest = select(QuarantinedMail.id).where(
        col(QuarantinedMail.verified).is_(False),
        QuarantinedMail.status == QuarantineStatus.HELD.value,
    ).order_by(col(QuarantinedMail.received_at), col(QuarantinedMail.id)).limit(excess)
    ids = list(session.exec(oldest))
    session.exec(delete(QuarantinedMail).where(col(QuarantinedMail.id).in_(ids)))
    session.commit()
    log.warning("inbound mail quarantine full: dropped the %d oldest unverified mails "
                "(INBOUND_QUARANTINE_MAX_UNVERIFIED=%d)", len(ids), max_unverified,
                extra={"quarantine_trimmed": len(ids)})


def held(session: Session, limit: int = LIST_LIMIT) -> list[QuarantinedMail]:
    """The mails waiting for a decision, newest first."""
    query = select(QuarantinedMail).where(
        QuarantinedMail.status == QuarantineStatus.HELD.value).order_by(
        col(QuarantinedMail.received_at).desc(), col(QuarantinedMail.id).desc()).limit(limit)
    return list(session.exec(query))


def claim(session: Session, quarantine_id: int, status: QuarantineStatus, by: str) -> bool:
    """Marks a held mail decided, in one conditional UPDATE: of two agents deciding the same
    mail at once, exactly one gets True (the other's read of "held" was already stale)."""
    claimed = session.exec(update(QuarantinedMail).where(
        col(QuarantinedMail.id) == quarantine_id,
        col(QuarantinedMail.status) == QuarantineStatus.HELD.value,
    ).values(status=status.value, decided_by=by[:200], decided_at=datetime.now(UTC)))
    session.commit()
    return bool(claimed.rowcount == 1)


def release(session: Session, quarantine_id: int) -> None:
    """A claim whose threading failed goes back to the list, for another try."""
    session.exec(update(QuarantinedMail).where(col(QuarantinedMail.id) == quarantine_id).values(
        status=QuarantineStatus.HELD.value, decided_by=None, decided_at=None))
    session.commit()


def record_ticket(session: Session, quarantine_id: int, ticket_id: str) -> QuarantinedMail:
    row = session.get(QuarantinedMail, quarantine_id)
    assert row is not None
    row.ticket_id = ticket_id
    session.add(row)
    session.commit()
    session.refresh(row)
    return row

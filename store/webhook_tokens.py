"""One-time tokens of the forwarding services, accepted once across every API process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete

from sla.vocabulary import MailProvider
from store.models import WebhookToken


def first_use(session: Session, provider: MailProvider, token: str, now: datetime,
              window: timedelta) -> bool:
    """True the first time ``token`` is presented within ``window``; False for a replay.

    The primary key decides, so two processes receiving the same post at once accept it
    once. Tokens older than the window go first: the table holds one window's posts."""
    session.exec(delete(WebhookToken).where(col(WebhookToken.seen_at) < now - window))
    session.add(WebhookToken(key=f"{provider.value}:{token}"[:300], seen_at=now))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def utc_seconds(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)

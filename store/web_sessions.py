"""Browser sessions: signing in with an API key sets a cookie whose SHA-256 is kept here.

A session is good while it is used within its idle time, is younger than its maximum
lifetime, has not been ended, and its key has not been revoked: revoking a key ends its
sessions at once, with nothing to clean up.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from store.keys import key_hash
from store.models import ApiKey, WebSession, as_utc

#: A session's last use is written at most this often (not on every page view).
TOUCH_EVERY = timedelta(minutes=1)


def start_session(session: Session, key: ApiKey) -> tuple[WebSession, str]:
    """A new session for the key; returns it and the cookie's value (shown only here)."""
    assert key.id is not None
    token = secrets.token_urlsafe(32)
    row = WebSession(token_hash=key_hash(token), key_id=key.id,
                     csrf_token=secrets.token_urlsafe(24))
    session.add(row)
    session.commit()
    session.refresh(row)
    return row, token


def find_session(session: Session, token: str, idle: timedelta, lifetime: timedelta,
                 now: datetime | None = None) -> tuple[WebSession, ApiKey] | None:
    """The live session behind a cookie and its key, or None (unknown, ended, idle too
    long, older than ``lifetime``, or its key revoked)."""
    now = now or datetime.now(UTC)
    found = session.exec(
        select(WebSession, ApiKey).join(ApiKey, col(ApiKey.id) == col(WebSession.key_id))
        .where(WebSession.token_hash == key_hash(token), col(WebSession.ended_at).is_(None),
               col(ApiKey.revoked_at).is_(None))).first()
    if found is None:
        return None
    row, key = found
    # A page that refreshes itself uses the session all day: only its age ends it then.
    if now - as_utc(row.last_seen_at) > idle or now - as_utc(row.created_at) > lifetime:
        end(session, row, now)
        return None
    if now - as_utc(row.last_seen_at) > TOUCH_EVERY:
        row.last_seen_at = now
        session.add(row)
        session.commit()
    return row, key


def end(session: Session, row: WebSession, now: datetime | None = None) -> None:
    row.ended_at = now or datetime.now(UTC)
    session.add(row)
    session.commit()

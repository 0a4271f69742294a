"""API keys: made with a role, stored as a hash, looked up by the hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Literal

from sqlmodel import Session, col, select

from store.models import ApiKey

Role = Literal["customer", "agent", "admin", "telephony", "mail"]
#: ``mail``: the inbound-mail forwarder's own key (POST /inbound/email and nothing else).
ROLES: tuple[Role, ...] = ("customer", "agent", "admin", "telephony", "mail")


def key_hash(key: str) -> str:
    # Keys are 256-bit random: a plain SHA-256 cannot be brute-forced back.
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, role: Role, name: str = "",
               customer_id: int | None = None) -> tuple[ApiKey, str]:
    """Stores a new key; returns it with the key itself (the only time it is seen)."""
    if (role == "customer") != (customer_id is not None):
        raise ValueError("a customer key needs a customer_id, and only a customer key has one")
    key = f"sla_{secrets.token_urlsafe(32)}"
    row = ApiKey(key_hash=key_hash(key), role=role, customer_id=customer_id, name=name)
    session.add(row)
    session.commit()
    session.refresh(row)
    return row, key


def find_key(session: Session, key: str) -> ApiKey | None:
    query = select(ApiKey).where(ApiKey.key_hash == key_hash(key),
                                 col(ApiKey.revoked_at).is_(None))
    return session.exec(query).first()


def has_admin_key(session: Session) -> bool:
    query = select(ApiKey).where(ApiKey.role == "admin", col(ApiKey.revoked_at).is_(None))
    return session.exec(query).first() is not None


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.exec(select(ApiKey).order_by(col(ApiKey.id))))


def revoke_key(session: Session, key_id: int) -> ApiKey | None:
    """Revokes the key (once: a second revocation keeps the first time); None if unknown."""
    row = session.get(ApiKey, key_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        session.add(row)
        session.commit()
        session.refresh(row)
    return row

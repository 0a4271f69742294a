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


#: The roles whose keys are people of the team: they may name an assignee, be one, and
#: carry a mail address for it.
STAFF_ROLES: frozenset[str] = frozenset({"agent", "admin"})


class KeyRefused(ValueError):
    """A key that cannot be made as asked; ``field`` is the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def create_key(session: Session, role: Role, name: str = "",
               customer_id: int | None = None, email: str | None = None) -> tuple[ApiKey, str]:
    """Stores a new key; returns it with the key itself (the only time it is seen).
    ``email`` is already one checked address (``sla.addresses.one_address``)."""
    if (role == "customer") != (customer_id is not None):
        raise KeyRefused("customer_id", "a customer key needs a customer_id, and only a "
                                        "customer key has one")
    if email is not None and role not in STAFF_ROLES:
        raise KeyRefused("email", "only a staff key (agent, admin) has a mail address: it is "
                                  "where an assigned ticket's warnings go")
    key = f"sla_{secrets.token_urlsafe(32)}"
    row = ApiKey(key_hash=key_hash(key), role=role, customer_id=customer_id, name=name,
                 email=email)
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

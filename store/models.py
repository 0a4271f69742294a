"""Tables. Tickets, timeline and outbox are written only by the workflow's activities."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Index, Table, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from sla.vocabulary import ClockName, DeliveryStatus, QuarantineStatus

#: The clocks the ticket row has columns for (``<clock>_due``, ``<clock>_state``).
ROW_CLOCKS = (ClockName.FIRST_RESPONSE, ClockName.NEXT_UPDATE, ClockName.RESOLUTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """The same instant in UTC; a time without an offset is taken as UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Stores instants in UTC and always reads them back timezone-aware.

    SQLite keeps no offset, PostgreSQL does (timestamptz); both read back the same here.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value} would be ambiguous; pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return as_utc(value)


def instant(**kwargs: Any) -> Any:
    """A datetime field stored as :class:`UtcDateTime`."""
    return Field(sa_type=UtcDateTime, **kwargs)


class CustomerBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    plan: str = Field(min_length=1, max_length=64)
    locale: str = Field(default="en", max_length=16)
    time_zone: str = Field(default="UTC", max_length=64)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=32)
    tam_name: str | None = Field(default=None, max_length=200)
    tam_email: str | None = Field(default=None, max_length=320)
    tam_phone: str | None = Field(default=None, max_length=32)


class Customer(CustomerBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = instant(default_factory=utcnow)


class Ticket(SQLModel, table=True):
    """The projection of a ticket workflow: what lists and filters read."""

    # The queue page reads open tickets by next due time.
    __table_args__ = (Index("ix_ticket_status_next_due_at", "status", "next_due_at"),)

    id: str = Field(primary_key=True, max_length=64)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    subject: str
    #: Kept for duplicate detection (already masked of secrets).
    description: str = ""
    duplicate_of: str | None = None
    severity: str = Field(index=True)
    type: str
    channel: str
    plan: str
    status: str = Field(index=True)
    escalation_level: int = 0
    breached: bool = Field(default=False, index=True)
    assignee_name: str | None = None
    first_response_due: datetime | None = instant(default=None)
    first_response_state: str | None = None
    next_update_due: datetime | None = instant(default=None)
    next_update_state: str | None = None
    resolution_due: datetime | None = instant(default=None)
    resolution_state: str | None = None
    next_due_at: datetime | None = instant(default=None)
    next_due_clock: str | None = None
    created_at: datetime = instant()
    updated_at: datetime = instant(default_factory=utcnow)
    closed_at: datetime | None = instant(default=None)
    close_reason: str | None = None
    #: A ``CoverageState``: covered | not_covered (waiting for a slot); None: the tier
    #: needs no slot.
    coverage: str | None = Field(default=None, max_length=16)
    first_responded_at: datetime | None = instant(default=None)
    #: The ticket's clocks that run toward internal targets, comma-separated (reports keep
    #: them out of the customer's SLA attainment); None: every clock is a commitment.
    internal_clocks: str | None = Field(default=None, max_length=200)
    #: SHA-256 of the token in the latest closure's feedback link (``sla.ticket.feedback_link``):
    #: the feedback page checks a link here before it asks the ticket's workflow anything.
    feedback_link_digest: str | None = Field(default=None, max_length=64)
    #: The workflow state version this row shows; older writes never overwrite newer ones.
    version: int = 0


def internal_clock_names(ticket: Ticket) -> set[str]:
    """The ticket's clocks that run toward internal targets."""
    return set(filter(None, (ticket.internal_clocks or "").split(",")))


class TimelineEvent(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("ticket_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str = Field(foreign_key="ticket.id", index=True)
    seq: int
    at: datetime = instant()
    kind: str
    actor: str
    detail: str = ""
    #: The clock a breach, escalation or page is about, and its level: what reports count by.
    clock: str | None = Field(default=None, max_length=32)
    level: int | None = None
    #: A feedback entry's rating, 1-5 (what reports count); None for other entries.
    rating: int | None = None


class OutboxMessage(SQLModel, table=True):
    """Every message the product sends, recorded before it is sent."""

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=128)
    ticket_id: str = Field(foreign_key="ticket.id", index=True)
    kind: str
    channel: str
    recipient_role: str
    recipient_name: str
    recipient_address: str | None = None
    subject: str
    body: str
    #: A ``DeliveryStatus``: sending -> sent (pending: not attempted yet); failed
    #: (permanent); undeliverable; logged (its channel is not configured: only written to
    #: the log, nobody got it).
    status: str = DeliveryStatus.PENDING.value
    attempts: int = 0
    last_error: str | None = None
    provider_ref: str | None = None
    created_at: datetime = instant()
    sent_at: datetime | None = instant(default=None)

    def event_order(self) -> tuple[datetime, int]:
        """The order the ticket produced its messages in (rows of one step may be
        inserted in any order, since a step's messages are sent together)."""
        _ticket, _, seq = self.idempotency_key.rpartition(":")
        return self.created_at, int(seq) if seq.isdigit() else 0


class DeliveryAttempt(SQLModel, table=True):
    """One try at sending an outbox message, and how it went."""

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outboxmessage.id", index=True)
    ticket_id: str = Field(index=True)
    attempt: int
    at: datetime = instant()
    channel: str
    outcome: str
    detail: str = ""


class Contract(SQLModel, table=True):
    """A customer's support contract: a subscription, a slot pack or an included-support grant."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    #: subscription (slots per month) | slots (for the whole term) | grant (no slots needed)
    kind: str = Field(max_length=16)
    #: The plan its requests run on while it is active.
    tier: str = Field(max_length=64)
    starts_at: datetime = instant()
    ends_at: datetime = instant()
    slots: int = 0
    note: str = Field(default="", max_length=500)
    created_at: datetime = instant(default_factory=utcnow)


class SlotUse(SQLModel, table=True):
    """One slot taken by one ticket: reserved when the request is covered, used when an
    agent starts work (its first response), released if it closes before that."""

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    #: Not a foreign key: the slot is taken before the ticket's first row is written.
    ticket_id: str = Field(unique=True, max_length=64)
    period_start: datetime = instant()
    reserved_at: datetime = instant()
    consumed_at: datetime | None = instant(default=None)
    released_at: datetime | None = instant(default=None)


class ApiKey(SQLModel, table=True):
    """An API key: only its SHA-256 is stored; the key itself is shown once, at creation."""

    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(unique=True, max_length=64)
    #: customer | agent | admin | telephony | mail
    role: str = Field(max_length=16)
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    name: str = Field(default="", max_length=200)
    #: A staff key's mail address: where a ticket assigned to this agent sends its warnings
    #: and breaches (None: the agent can be assigned, and the policy's contacts are told).
    email: str | None = Field(default=None, max_length=320)
    created_at: datetime = instant(default_factory=utcnow)
    revoked_at: datetime | None = instant(default=None)


class WebSession(SQLModel, table=True):
    """A browser signed in with an API key: only the SHA-256 of its cookie is stored. It
    ends at sign-out, after its idle time, or at once when its key is revoked."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    key_id: int = Field(foreign_key="apikey.id", index=True)
    #: Every form of the session carries it: a form posted from another site cannot.
    csrf_token: str = Field(max_length=64)
    created_at: datetime = instant(default_factory=utcnow)
    last_seen_at: datetime = instant(default_factory=utcnow)
    ended_at: datetime | None = instant(default=None)


class QuarantinedMail(SQLModel, table=True):
    """An inbound mail that was not threaded: its signature failed (unverified) or its
    sender matched no customer. Kept whole (the raw post, capped) until an agent assigns it
    to a customer or drops it; a dropped row stays, marked with who dropped it."""

    # The console lists held mails newest first; trimming reads the oldest unverified.
    __table_args__ = (Index("ix_quarantinedmail_status_received_at", "status", "received_at"),)

    id: int | None = Field(default=None, primary_key=True)
    received_at: datetime = instant(default_factory=utcnow)
    #: A ``MailProvider``: json | mailgun | postmark.
    provider: str = Field(max_length=16)
    #: A ``QuarantineReason``: bad_signature | unknown_sender.
    reason: str = Field(max_length=32)
    #: The forwarding service's credential checked out (an unknown sender); unverified rows
    #: are the ones anyone can post, and give way first.
    verified: bool = False
    sender: str = Field(default="", max_length=500)
    subject: str = Field(default="", max_length=1000)
    message_id: str = Field(default="", max_length=1000)
    #: In-Reply-To and References, one after the other: what finds the ticket on assignment.
    thread_refs: str = Field(default="", max_length=11_000)
    #: The mail's text, secrets masked (what an assignment threads).
    text: str = Field(default="", max_length=100_000)
    #: The posted body as received (up to INBOUND_QUARANTINE_MAX_BYTES).
    raw: str = Field(default="", max_length=1_000_000)
    #: A ``QuarantineStatus``: held | assigned | dropped.
    status: str = Field(default=QuarantineStatus.HELD.value, max_length=16)
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = instant(default=None)
    #: The ticket an assigned mail was threaded to.
    ticket_id: str | None = Field(default=None, max_length=64)


class WebhookToken(SQLModel, table=True):
    """A forwarding service's one-time token already accepted (Mailgun's ``token``). Kept in
    the database, not in one process's memory, so a captured post replayed to another API
    process behind the same load balancer is refused too. Rows older than the signature's
    age window are deleted as new ones arrive: a stale post fails on its timestamp anyway."""

    __table_args__ = (Index("ix_webhooktoken_seen_at", "seen_at"),)

    #: ``provider:token``: Mailgun's tokens are 50 hex characters.
    key: str = Field(primary_key=True, max_length=300)
    seen_at: datetime = instant(default_factory=utcnow)


#: The tables as SQLAlchemy Core sees them, for bulk upserts and aggregate queries.
TICKETS: Table = Ticket.__table__  # type: ignore[attr-defined]
TIMELINE: Table = TimelineEvent.__table__  # type: ignore[attr-defined]
SLOT_USES: Table = SlotUse.__table__  # type: ignore[attr-defined]
OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
DELIVERY_ATTEMPTS: Table = DeliveryAttempt.__table__  # type: ignore[attr-defined]

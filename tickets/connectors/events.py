"""What every connector speaks: a help desk's ticket event, in our words, and what we
write back. The connectors own the translation (webhook payloads, RT transactions); the
rest of the product sees only these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class HelpDesk(StrEnum):
    """The help desks a team may keep."""

    ZENDESK = "zendesk"
    ZAMMAD = "zammad"
    REQUEST_TRACKER = "request_tracker"


class HelpDeskEventKind(StrEnum):
    """What happened on the help desk's ticket, as far as our clocks care."""

    CREATED = "created"
    #: A comment by an agent that the requester sees: an agent response.
    PUBLIC_AGENT_COMMENT = "public_agent_comment"
    #: A comment only agents see: recorded, stops no clock.
    INTERNAL_COMMENT = "internal_comment"
    #: A comment by the requester: a customer reply.
    REQUESTER_COMMENT = "requester_comment"
    #: ``status`` carries the help desk's new status (mapped by the connector's config).
    STATUS_CHANGED = "status_changed"
    #: ``priority`` carries the help desk's new priority (mapped to a severity).
    PRIORITY_CHANGED = "priority_changed"
    #: Anything else: recorded on the timeline, never dropped in silence.
    OTHER = "other"


@dataclass(frozen=True)
class HelpDeskEvent:
    """One event of one help-desk ticket.

    ``event_id`` is the help desk's own id for the event (de-duplication); ``occurred_at``
    and ``sequence`` order events of one ticket (help desks do not promise delivery order:
    an older event never undoes a newer state)."""

    desk: HelpDesk
    event_id: str
    external_ticket_id: str
    kind: HelpDeskEventKind
    occurred_at: datetime
    #: A number that grows with the ticket's events where the help desk has one (RT's
    #: transaction id, Zendesk's audit id); 0 where it has none.
    sequence: int = 0
    subject: str = ""
    body: str = ""
    author_name: str = ""
    author_email: str = ""
    requester_email: str = ""
    organization: str = ""
    #: The help desk's status / priority words, as the help desk writes them.
    status: str = ""
    priority: str = ""
    #: The help-desk's type of event, for the timeline when ``kind`` is OTHER.
    raw_type: str = ""
    #: A link to the ticket in the help desk, for the ticket's page, the queue and the UI.
    url: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WriteBack:
    """What the SLA state asks to be written on the help desk's ticket.

    ``idempotency_key`` comes from our ticket id and the event's sequence number; the
    connector carries it in the note it writes, so a retry finds the note and never writes
    a second one."""

    desk: HelpDesk
    external_ticket_id: str
    idempotency_key: str
    #: An internal note (never public): the warning, breach or escalation, in words.
    note: str
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    #: The next due instant, for a custom field where the connector is configured with one.
    next_due: datetime | None = None
    #: The SLA state in one word (running, warning, breached, met), for a custom field.
    sla_state: str = ""

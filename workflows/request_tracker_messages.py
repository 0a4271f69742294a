"""What the Request Tracker poll workflow and its activities exchange (plain data: the
workflow imports nothing else of ours, and the activities may import this)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

#: The poll's activity, registered under this name by the worker.
POLL_ACTIVITY = "request_tracker_poll"
#: The write-back's activity.
WRITE_BACK_ACTIVITY = "request_tracker_write_back"


@dataclass(frozen=True)
class RtPollInput:
    """Starts (or continues as new) the poll of one RT connector."""

    #: The connector's name (its ``[connectors.NAME]``), as the worker registered it.
    connector: str
    #: The highest RT transaction id whose events are applied: the poll reads after it.
    cursor: int = 0
    #: Seconds between polls once RT has nothing more to read.
    interval_seconds: float = 60.0
    #: Transactions a poll reads at most (RT answers at most 100 a page).
    batch_size: int = 100
    #: History events after which the poll continues as new with its cursor.
    max_history_events: int = 2_000
    #: Carried over continue-as-new, for the ``progress`` query.
    events_applied: int = 0
    polls: int = 0


@dataclass(frozen=True)
class RtPollStep:
    connector: str
    cursor: int
    batch_size: int


@dataclass(frozen=True)
class RtPollOutcome:
    #: The new cursor: the highest transaction id read (and applied).
    cursor: int
    events: int
    #: The cursor moved (RT may have more after it): poll again without waiting.
    more: bool


@dataclass
class RtPollProgress:
    """The ``progress`` query's answer."""

    cursor: int
    events_applied: int
    polls: int
    #: The last poll's failure, until a poll succeeds ("" when the last one did).
    last_error: str = ""


@dataclass(frozen=True)
class RtWriteBackStep:
    """The write-back's input: the fields of ``tickets.connectors.events.WriteBack`` (so a
    WriteBack's payload converts to it), and the connector's name where more than one RT
    is configured ("" for the only one)."""

    external_ticket_id: str
    idempotency_key: str
    note: str
    desk: str = "request_tracker"
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    next_due: datetime | None = None
    sla_state: str = ""
    connector: str = ""

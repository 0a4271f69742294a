"""The ticket's SLA state and the records it produces (timeline entries, messages).

Plain dataclasses: they are workflow state, the argument of continue-as-new and
the payload of the projection activity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sla.policy.snapshot import Contact, PlanSnapshot
from sla.ticket.clocks import Clock
from sla.vocabulary import TicketStatus as TicketStatus  # importable from here as before

#: The statuses' values, in their order (for messages and choices).
STATUSES: tuple[str, ...] = tuple(status.value for status in TicketStatus)


@dataclass
class Coverage:
    """What pays for the work on a request that needs a slot (see ``sla.policy.entitlements``)."""

    covered: bool
    #: The contract that covers it; None when not covered, or covered by hand.
    contract_id: int | None = None
    #: In words: "subscription #3 (basic) (slot of the period from 2026-11-01)", or
    #: "covered by ana: goodwill".
    label: str = ""
    at: datetime | None = None
    by: str = ""


@dataclass
class SlotClaim:
    """The slot a new request is to take, as the contracts stood when it came in. The
    ticket's workflow reserves it as its first step; if the period filled up meanwhile,
    the request waits for coverage instead."""

    contract_id: int
    period_start: datetime
    #: The contract's slots per period.
    slots: int
    #: What covers the request if it gets the slot, in words (``Coverage.label``).
    label: str


@dataclass
class SlotRequest:
    """What the ticket asks of ``take_slot``: its claim, taken at ``at``."""

    ticket_id: str
    claim: SlotClaim
    at: datetime


@dataclass
class TicketDetails:
    """What the ticket is about; set at creation."""

    ticket_id: str
    customer_id: int
    subject: str
    description: str
    #: A ``Severity``, a ``TicketType`` and a ``Channel`` (``sla.vocabulary``); typed ``str``
    #: because the use cases build them from their inputs' own ``Literal`` types.
    severity: str
    type: str
    channel: str
    assignee: Contact | None = None
    #: Structured intake fields (e.g. a failure report's affected users, module, device).
    intake: dict[str, str] = field(default_factory=dict)
    #: The open ticket this one repeats: it carries no SLA clocks of its own.
    duplicate_of: str | None = None
    #: An open ticket this one looks like: it keeps its own clocks until an agent confirms
    #: the link (then they end) or rejects it.
    possible_duplicate_of: str | None = None
    #: How the request was covered when it came in; None: its tier needs no slot.
    coverage: Coverage | None = None
    #: Intake fields the policy asks for that the request lacked (a mail or a call is
    #: opened anyway, marked "intake incomplete"; its receipt asks for them).
    intake_missing: list[str] = field(default_factory=list)


@dataclass
class TimelineEntry:
    seq: int
    at: datetime
    #: A ``TimelineKind`` (read back from a payload: its plain string, equal to the member).
    kind: str
    actor: str
    detail: str = ""
    #: The clock a breach or escalation is about (a ``ClockName``), and the escalation or
    #: paging level: what the worker's metrics count by (the detail is words for people).
    clock: str | None = None
    level: int | None = None
    #: A feedback entry's rating (1-5): what reports count (None in entries of other
    #: kinds, and in feedback entries recorded before it was kept).
    rating: int | None = None
    #: A ``timeline_gap`` entry's count of the entries folded into it.
    folded: int | None = None


@dataclass
class Notification:
    """A message to send once; ``idempotency_key`` is ticket id + event sequence."""

    idempotency_key: str
    ticket_id: str
    #: A ``NoticeKind``, sent on a ``MessageChannel``.
    kind: str
    recipient: Contact
    channel: str
    subject: str
    body: str
    created_at: datetime
    #: What the message's template is rendered from (times as ISO-8601 UTC); the subject
    #: and body above are the English fallback.
    facts: dict[str, str] = field(default_factory=dict)
    #: A message held until its recipient's hours begin: when it goes out.
    send_at: datetime | None = None


@dataclass
class Feedback:
    """The customer's rating of one closure of the ticket (1: the first)."""

    closure: int
    rating: int
    comment: str
    at: datetime


@dataclass
class EmergencyCall:
    """A call to the emergency line, from the representative's intake form or the telephony."""

    call_id: str
    taken_at: datetime
    source: str
    company_name: str
    contact_name: str
    contact_phone: str
    contact_email: str
    description: str
    #: The number is no customer's: support is alerted at once.
    unknown_caller: bool = False


@dataclass
class Page:
    """One contact paged at one level. It names its contact, whose addresses are the
    plan's (``PlanSnapshot.escalation``, ``on_call``): the state keeps no copy of them."""

    level: int
    at: datetime
    contact_name: str = ""
    contact_role: str = ""
    #: The whole contact, as pages recorded before they named it held it (None since).
    contact: Contact | None = None

    def __post_init__(self) -> None:
        if self.contact is not None:
            self.contact_name = self.contact_name or self.contact.name
            self.contact_role = self.contact_role or self.contact.role
            self.contact = None


@dataclass
class EmergencyState:
    """Calls, the callback owed for them, and the paging when it is missed."""

    #: The latest calls (``bounds.CALLS_KEPT``); ``calls_taken`` counts them all.
    calls: list[EmergencyCall] = field(default_factory=list)
    callback_made_at: datetime | None = None
    callback_outcome: str | None = None
    callback_by: str | None = None
    #: Level paged last (0: nobody paged); paging stops at acknowledgement or callback.
    page_level: int = 0
    next_page_at: datetime | None = None
    #: The latest pages (``bounds.PAGES_KEPT``); ``pages_sent`` counts them all.
    pages: list[Page] = field(default_factory=list)
    acknowledged_level: int | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    calls_taken: int = 0
    pages_sent: int = 0


@dataclass
class StepFailure:
    """A workflow step that keeps failing (``sla.ticket.steps``): the ticket goes on serving
    its deadlines meanwhile, and the step is tried again at ``retry_at``."""

    step: str
    #: The latest error, bounded (``steps.ERROR_LENGTH``).
    error: str
    since: datetime
    retry_at: datetime
    #: Rounds failed so far (each round is a few attempts of the step's own retry policy).
    rounds: int = 1


@dataclass
class TicketState:
    details: TicketDetails
    plan: PlanSnapshot
    created_at: datetime
    status: TicketStatus = TicketStatus.OPEN
    status_since: datetime | None = None
    clocks: dict[str, Clock] = field(default_factory=dict)
    escalation_level: int = 0
    closed_at: datetime | None = None
    close_reason: str | None = None
    first_responded_at: datetime | None = None
    #: Bumped at every change; the projection records which version it wrote.
    version: int = 0
    #: Last sequence number handed to a timeline entry or a message.
    seq: int = 0
    #: Fingerprint of the create request, so a reused Idempotency-Key with other content is refused.
    request_fingerprint: str = ""
    #: The ticket's workflow may complete: closed and past its reopen window.
    finished: bool = False
    pending_timeline: list[TimelineEntry] = field(default_factory=list)
    pending_notifications: list[Notification] = field(default_factory=list)
    #: Non-urgent messages waiting for their recipient's hours (each has ``send_at``).
    held_notifications: list[Notification] = field(default_factory=list)
    emergency: EmergencyState | None = None
    #: The update interval agreed with the customer for this ticket (overrides the plan's).
    update_interval_seconds: float | None = None
    #: A workaround is in place: urgency is lowered, the update clock stops.
    workaround_at: datetime | None = None
    #: Message-IDs of the latest customer emails (``bounds.message_key`` digests; whole ids
    #: in states from before), so a redelivered mail counts once.
    received_messages: list[str] = field(default_factory=list)
    #: The latest timeline entry, in words (for the Web UI).
    last_event: str = ""
    #: Tickets opened later for the same problem and linked here.
    duplicates: list[str] = field(default_factory=list)
    #: How many were linked (``duplicates`` keeps the latest ``bounds.DUPLICATES_KEPT``).
    duplicates_linked: int = 0
    #: How many times the ticket has closed; feedback is asked, and taken, once for each.
    closures: int = 0
    feedback: list[Feedback] = field(default_factory=list)
    #: Signs the feedback links sent at closure (set by the workflow, from its seeded
    #: randomness); never shown in the ticket's view.
    feedback_secret: str = ""
    #: Coverage now (None: not needed); while not covered, the clocks are held.
    coverage: Coverage | None = None
    #: A step that keeps failing (None: every step succeeds); never bumps ``version``.
    failing_step: StepFailure | None = None

    @property
    def ticket_id(self) -> str:
        return self.details.ticket_id

    @property
    def awaiting_coverage(self) -> bool:
        return self.coverage is not None and not self.coverage.covered

    @property
    def breached(self) -> bool:
        return any(clock.breached_at is not None for clock in self.clocks.values())


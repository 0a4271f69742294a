"""What a running ticket knows about its SLA: a frozen copy taken when the ticket is created.

These are plain dataclasses (not the pydantic policy models) because they travel
through Temporal's data converter and live inside workflow state; an edit of the
policy file never changes a ticket that is already running.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sla.policy.calendars import CalendarSpec
from sla.policy.targets import TargetSpec
from sla.vocabulary import Channel, ClockName, MessageChannel, NoticeKind, Severity, TicketType

#: The values of ``sla.vocabulary``'s enums, in their order (for messages and choices).
SEVERITIES: tuple[str, ...] = tuple(severity.value for severity in Severity)
TICKET_TYPES: tuple[str, ...] = tuple(ticket_type.value for ticket_type in TicketType)
TICKET_CHANNELS: tuple[str, ...] = tuple(channel.value for channel in Channel)
#: A wait of zero seconds stands for "never" in the snapshot.
NEVER = 0.0


@dataclass(frozen=True)
class Contact:
    """Someone a message can reach: an escalation level, the assignee, the TAM."""

    role: str
    name: str
    email: str | None = None
    phone: str | None = None
    #: When the contact can be an escalation point; None means always.
    calendar: CalendarSpec | None = None
    #: Address on the chat webhook (a channel or a mention, e.g. "#support").
    chat: str | None = None
    #: For messages: the recipient's language and the zone their times are shown in.
    locale: str = "en"
    time_zone: str = "UTC"

    def address(self, channel: str) -> str | None:
        addresses: dict[str, str | None] = {
            MessageChannel.EMAIL: self.email, MessageChannel.SMS: self.phone,
            MessageChannel.VOICE: self.phone, MessageChannel.CHAT: self.chat}
        return addresses.get(channel)


#: A target table: clock name -> severity -> target; None means "no target" explicitly.
TargetTable = dict[str, dict[str, TargetSpec | None]]


@dataclass
class TypeRules:
    """What an issue type changes: no SLA at all, or its own targets (with a study clock)."""

    sla: bool = True
    targets: TargetTable = field(default_factory=dict)


@dataclass
class PlanSnapshot:
    """One plan's targets, in seconds per severity, plus the resolved escalation chain."""

    plan: str
    warn_at: float
    auto_close_after_seconds: float
    reopen_window_seconds: float
    first_response_seconds: dict[str, float] = field(default_factory=dict)
    #: Unconfirmed proposed resolutions close after this (NEVER: only on confirmation);
    #: None (older snapshots) means the same as ``auto_close_after_seconds``.
    auto_confirm_after_seconds: float | None = None
    update_interval_seconds: dict[str, float] = field(default_factory=dict)
    resolution_seconds: dict[str, float] = field(default_factory=dict)
    escalation: list[Contact] = field(default_factory=list)
    unassigned: Contact | None = None
    #: Told when a breach finds no escalation level within its calendar.
    on_call: Contact | None = None
    #: The plan's business calendar (None: 24/7), holidays resolved into dates.
    calendar: CalendarSpec | None = None
    #: Clock name -> severity -> target. Snapshots taken before targets had kinds
    #: carry only the ``*_seconds`` tables above (elapsed time); see ``target_for``.
    targets: TargetTable = field(default_factory=dict)
    #: Issue type -> its rules (policy-wide rules merged with the plan's own).
    types: dict[str, TypeRules] = field(default_factory=dict)
    #: Channel -> targets that hold whatever the plan (e.g. web form: 24h first response).
    channels: dict[str, TargetTable] = field(default_factory=dict)
    #: The plan's calendar has hours nobody wrote down (an assumption): a business-time
    #: target's due instant is not promised (see each target's ``instant_is_assumed``).
    calendar_is_assumed: bool = False
    #: Every ticket on the plan is treated as an emergency (critical severity).
    emergency: bool = False
    #: Level (1-based) a breached resolution escalates straight to; 0: one level up.
    investigation_level: int = 0
    #: Emergency line: the callback owed after a call (24/7), and how often a missed one pages.
    callback_seconds: float = 900.0
    page_every_seconds: float = 600.0
    #: The callback time is an internal target (the policy gives no document for it).
    callback_internal: bool = False
    #: The document says an agent answers during business hours, naming no time.
    answers_during_business_hours: bool = False
    #: The first response is the first investigation (360dialog): a person's response
    #: stops the first-response clock only when marked as one. False (and in older
    #: snapshots): any person's response does.
    first_response_is_investigation: bool = False
    #: The first response is a specialist's engagement with the request (the CRM
    #: integrator): receipts say a specialist takes it up. False in older snapshots.
    first_response_is_engagement: bool = False
    #: The policy has an emergency line (Bird Enterprise): a critical ticket's receipt tells
    #: the customer how to reach it instead of the business-hours sentence.
    emergency_line: bool = False
    #: The line's number where the policy gives one; blank: the receipt names no number.
    emergency_number: str = ""
    #: Role -> the channels its messages go out on ("urgent": pages); empty: one channel,
    #: email where there is an address (the behaviour before roles had channels).
    delivery: dict[str, list[str]] = field(default_factory=dict)
    #: The customer's contact, told of receipt, proposals, closure; None: not told.
    customer: Contact | None = None
    #: The policy file this snapshot was taken from and its content's hash (SHA-256, first
    #: 12 hex digits); empty in snapshots taken before tickets recorded them.
    policy_name: str = ""
    policy_hash: str = ""
    #: Non-urgent messages to a contact with a calendar wait until the calendar opens;
    #: False (and in older snapshots): every message goes at once.
    hold_notices: bool = False
    #: Messages about tickets of these severities, and of these kinds, are urgent: they go
    #: at once whatever the recipient's hours.
    urgent_severities: list[str] = field(default_factory=lambda: [Severity.CRITICAL.value])
    urgent_kinds: list[str] = field(default_factory=lambda: [NoticeKind.PAGE.value])
    #: The tier gets recommendations only: a fix needs a paid tier (the CRM integrator's Flow).
    recommendations_only: bool = False
    #: Told to a customer whose request no slot covers (the policy's ``how_to_buy``).
    how_to_buy: str = ""
    #: Such a request closes after this long (NEVER: it waits).
    close_uncovered_after_seconds: float = NEVER

    def effective_severity(self, severity: str) -> str:
        return Severity.CRITICAL if self.emergency else severity

    def target_for(
        self, clock: str, severity: str, type: str = TicketType.PROBLEM,
        channel: str = Channel.API,
    ) -> TargetSpec | None:
        """The target of one clock: type without SLA, then channel, type and plan tables."""
        rules = self.types.get(type)
        if rules is not None and not rules.sla:
            return None
        for table in (self.channels.get(channel, {}), rules.targets if rules else {}, self.targets):
            by_severity = table.get(clock, {})
            if severity in by_severity:
                return by_severity[severity]
        if self.targets:
            return None
        legacy: dict[str, dict[str, float]] = {
            ClockName.FIRST_RESPONSE: self.first_response_seconds,
            ClockName.NEXT_UPDATE: self.update_interval_seconds,
            ClockName.RESOLUTION: self.resolution_seconds,
        }
        seconds = legacy.get(clock, {}).get(severity)
        return TargetSpec(kind="elapsed", seconds=seconds) if seconds is not None else None

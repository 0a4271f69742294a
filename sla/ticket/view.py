"""The live SLA state of a ticket as the API and the Web UI show it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sla.plain_text import escape_markdown as plain
from sla.policy.snapshot import Contact
from sla.ticket.clocks import COMMITMENT
from sla.ticket.deadlines import next_due
from sla.ticket.feedback_link import latest_link_digest
from sla.ticket.state import (
    Coverage,
    EmergencyCall,
    EmergencyState,
    Feedback,
    StepFailure,
    TicketDetails,
    TicketState,
    TimelineEntry,
)


@dataclass
class ClockView:
    #: A ``ClockName`` and a ``ClockState`` (``sla.vocabulary``); typed ``str``, as read
    #: back from a payload they are plain strings (equal to their members).
    name: str
    state: str
    target_seconds: float
    due_at: datetime | None
    remaining_seconds: float
    warned: bool
    breached_at: datetime | None
    stopped_at: datetime | None
    #: New targets dropped the clock (shown as state "ended").
    ended_at: datetime | None = None
    #: "commitment" (the contract states it) or "internal target" (an assumption, an OLA:
    #: never shown to the customer).
    kind: str = COMMITMENT


@dataclass
class HeldNotice:
    """A message waiting for its recipient's hours."""

    kind: str
    recipient: str
    role: str
    channel: str
    created_at: datetime
    send_at: datetime


@dataclass
class TicketView:
    ticket_id: str
    customer_id: int
    subject: str
    description: str
    severity: str
    type: str
    channel: str
    plan: str
    status: str
    escalation_level: int
    escalated_to: Contact | None
    breached: bool
    assignee: Contact | None
    created_at: datetime
    first_responded_at: datetime | None
    closed_at: datetime | None
    close_reason: str | None
    clocks: list[ClockView]
    as_of: datetime
    version: int
    intake: dict[str, str] = field(default_factory=dict)
    emergency: EmergencyState | None = None
    update_interval_seconds: float | None = None
    workaround_at: datetime | None = None
    next_due_at: datetime | None = None
    next_due_clock: str | None = None
    duplicate_of: str | None = None
    #: The latest linked duplicates (``bounds.DUPLICATES_KEPT``); how many in all below.
    duplicates: list[str] = field(default_factory=list)
    #: Looks like this open ticket; its own clocks run until an agent decides.
    possible_duplicate_of: str | None = None
    policy_name: str = ""
    policy_hash: str = ""
    held_notices: list[HeldNotice] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)
    #: What covers the work (None: the tier needs no slot).
    coverage: Coverage | None = None
    recommendations_only: bool = False
    #: Intake fields the policy asks for that the request lacked ("intake incomplete").
    intake_missing: list[str] = field(default_factory=list)
    #: Duplicates linked to this ticket in all (``duplicates`` lists the latest).
    duplicates_linked: int = 0
    #: A workflow step that keeps failing (the database write): why, since when, next try.
    failing_step: StepFailure | None = None
    #: SHA-256 of the latest closure's feedback-link token, for the projection.
    feedback_link_digest: str | None = None


def view(state: TicketState, now: datetime) -> TicketView:
    details = state.details
    level = state.escalation_level
    upcoming = next_due(state)
    return TicketView(
        ticket_id=details.ticket_id,
        customer_id=details.customer_id,
        subject=details.subject,
        description=details.description,
        severity=details.severity,
        type=details.type,
        channel=details.channel,
        plan=state.plan.plan,
        status=state.status,
        escalation_level=level,
        escalated_to=state.plan.escalation[level - 1] if level else None,
        breached=state.breached,
        assignee=details.assignee,
        created_at=state.created_at,
        first_responded_at=state.first_responded_at,
        closed_at=state.closed_at,
        close_reason=state.close_reason,
        clocks=[
            ClockView(
                name=clock.name,
                state=clock.public_state(),
                target_seconds=clock.target_seconds,
                due_at=clock.due_at(),
                remaining_seconds=clock.remaining(now).total_seconds(),
                warned=clock.warned,
                breached_at=clock.breached_at,
                stopped_at=clock.stopped_at,
                ended_at=clock.ended_at,
                kind=clock.kind,
            )
            for clock in state.clocks.values()
        ],
        as_of=now,
        version=state.version,
        intake=dict(details.intake),
        emergency=_counted(state.emergency),
        update_interval_seconds=state.update_interval_seconds,
        workaround_at=state.workaround_at,
        next_due_at=upcoming[0] if upcoming else None,
        next_due_clock=upcoming[1] if upcoming else None,
        duplicate_of=details.duplicate_of,
        duplicates=list(state.duplicates),
        duplicates_linked=max(state.duplicates_linked, len(state.duplicates)),
        possible_duplicate_of=details.possible_duplicate_of,
        intake_missing=list(details.intake_missing),
        failing_step=state.failing_step,
        # "" once written by this version: the ticket has never closed (None is a row
        # written before the digest existed).
        feedback_link_digest=latest_link_digest(state) or "",
        policy_name=state.plan.policy_name,
        policy_hash=state.plan.policy_hash,
        held_notices=[
            HeldNotice(kind=message.kind, recipient=message.recipient.name,
                       role=message.recipient.role, channel=message.channel,
                       created_at=message.created_at, send_at=message.send_at)
            for message in state.held_notifications if message.send_at is not None
        ],
        feedback=list(state.feedback),
        coverage=state.coverage,
        recommendations_only=state.plan.recommendations_only,
    )


def _counted(emergency: EmergencyState | None) -> EmergencyState | None:
    """The emergency state with its counts, for a state from before they were kept (its
    lists were whole then)."""
    if emergency is None:
        return None
    return replace(emergency, calls_taken=max(emergency.calls_taken, len(emergency.calls)),
                   pages_sent=max(emergency.pages_sent, len(emergency.pages)))


def answer(state: TicketState, now: datetime) -> TicketView:
    """What an update answers with: the live view without the ticket's bulky text (the
    description, intake fields, call notes, feedback comments). Update results are kept
    in the workflow's history, so a whole view there would copy a large ticket's text at
    every change; readers compose the rest from the ``sla`` query or the projection."""
    full = view(state, now)
    emergency = full.emergency
    if emergency is not None:
        emergency = replace(emergency, calls=[replace(call, description="")
                                              for call in emergency.calls])
    return replace(full, description="", intake={}, emergency=emergency,
                   feedback=[replace(item, comment="") for item in full.feedback])


def with_sent_text(answered: TicketView, details: TicketDetails,
                   call: EmergencyCall | None = None) -> TicketView | None:
    """The whole view from the answer to the update that opened a ticket, with the text its
    caller sent (``details``, and the emergency ``call`` that opened it): no query needed.

    None when the ticket holds bulky text the caller never sent (another call's notes, a
    feedback comment: an Idempotency-Key replay of a ticket that has moved on), which only
    the ``sla`` query has.
    """
    emergency = answered.emergency
    if answered.feedback or answered.ticket_id != details.ticket_id:
        return None
    if emergency is not None and emergency.calls:
        if call is None or any(known.call_id != call.call_id for known in emergency.calls):
            return None
        emergency = replace(emergency, calls=[replace(known, description=call.description)
                                              for known in emergency.calls])
    return replace(answered, description=details.description, intake=dict(details.intake),
                   emergency=emergency)


@dataclass
class TicketProjection:
    """What the ``record_ticket`` activity writes: the ticket row and the new timeline entries."""

    view: TicketView
    timeline: list[TimelineEntry] = field(default_factory=list)


def current_details(state: TicketState) -> str:
    """The ticket at a glance, for the Web UI's "current details" of its workflow (Markdown):
    whatever a customer or person typed is escaped (``sla.plain_text``)."""
    details = state.details
    lines = [
        f"**{details.ticket_id}**: {plain(details.subject)}",
        f"status **{state.status}** · {details.severity} {details.type} · plan {state.plan.plan}"
        f" · escalation level {state.escalation_level}"
        + (" · **SLA breached**" if state.breached else "")
        + (" · **not covered: waiting for a support slot**" if state.awaiting_coverage else "")
        + (f" · possible duplicate of {details.possible_duplicate_of}"
           if details.possible_duplicate_of else "")
        + (f" · duplicate of {details.duplicate_of}" if details.duplicate_of else "")
        + (f" · **intake incomplete**: missing {', '.join(details.intake_missing)}"
           if details.intake_missing else ""),
        "",
    ]
    for clock in state.clocks.values():
        due = clock.due_at()
        when = f", due {due:%Y-%m-%d %H:%M} UTC" if due is not None else ""
        label = " (internal target)" if clock.internal else ""
        lines.append(f"- {clock.name.replace('_', ' ')}{label}: {clock.public_state()}{when}")
    if state.emergency is not None and state.emergency.page_level:
        emergency = state.emergency
        acknowledged = (f", acknowledged by {plain(emergency.acknowledged_by)}"
                        if emergency.acknowledged_by else "")
        lines.append(f"- paging: level {emergency.page_level}{acknowledged}")
    failing = state.failing_step
    if failing is not None:
        lines += ["", f"**{failing.step} failing** since {failing.since:%Y-%m-%d %H:%M} UTC "
                  f"({failing.rounds} rounds; next try {failing.retry_at:%H:%M} UTC): "
                  f"{plain(failing.error[:200])}"]
    if state.last_event:
        lines += ["", f"last event: {plain(state.last_event)}"]
    return "\n".join(lines)

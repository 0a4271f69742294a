"""The ticket life cycle as pure functions of (state, now).

Each transition first asks its ``refusal_*`` function, which the workflow's update
validators call too, so an illegal change is refused before anything is written.
Every change appends timeline entries and messages to the state's pending lists;
the workflow hands those to activities.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sla.policy.durations import format_duration
from sla.policy.snapshot import Contact, PlanSnapshot
from sla.policy.targets import TargetSpec, start_clock
from sla.ticket import bounds
from sla.ticket.deadlines import CLOCK_LABELS, Wakeup, advance, next_due, next_wakeup
from sla.ticket.feedback_link import ask_for_feedback
from sla.ticket.records import change_status, close, hold_while_not_covered, record, tell_customer
from sla.ticket.state import Notification, TicketDetails, TicketState
from sla.vocabulary import (
    ClockName,
    NoticeKind,
    Severity,
    TicketStatus,
    TimelineKind,
    not_delivered_kind,
)

__all__ = [
    "CLOCK_LABELS", "RESOLVING", "TransitionRefused", "Wakeup", "advance", "next_due",
    "next_wakeup", "open_ticket",
]

#: Clocks that run until a resolution (or, for a study, its outcome) is proposed.
RESOLVING = (ClockName.RESOLUTION, ClockName.STUDY, ClockName.NEXT_UPDATE)


class TransitionRefused(Exception):
    """An update that is illegal in the ticket's current state; the message says why."""


def open_ticket(
    details: TicketDetails, plan: PlanSnapshot, now: datetime, fingerprint: str = ""
) -> TicketState:
    state = TicketState(
        details=details, plan=plan, created_at=now, status_since=now,
        request_fingerprint=fingerprint,
    )
    severity = details.severity
    if details.duplicate_of is not None:
        # The problem already has a ticket whose clocks run: no second set of clocks.
        record(state, now, TimelineKind.CREATED, "customer",
               f"duplicate of {details.duplicate_of}: no SLA clocks of its own")
        return state
    # The next-update clock joins at the first agent response (see restart_update_clock).
    for name in (ClockName.FIRST_RESPONSE, ClockName.RESOLUTION, ClockName.STUDY):
        target = plan.target_for(name, severity, details.type, details.channel)
        if target is not None:
            state.clocks[name] = start_clock(name, target, plan.calendar, now)
    record(state, now, TimelineKind.CREATED, "customer", f"{severity} {details.type} via {details.channel}")
    if details.possible_duplicate_of is not None:
        record(state, now, TimelineKind.POSSIBLE_DUPLICATE, "system",
               f"possible duplicate of {details.possible_duplicate_of}: its clocks run until "
               "an agent confirms or rejects the link")
    state.coverage = details.coverage
    if state.awaiting_coverage:
        wait_for_coverage(state, now, "no support slot covers this request; its clocks "
                                      "start once it is covered")
        return state
    if details.intake_missing:
        # Opened anyway (a mail, a call): the receipt asks for what the policy needs.
        missing = ", ".join(details.intake_missing)
        record(state, now, TimelineKind.INTAKE_INCOMPLETE, "system", f"missing: {missing}")
        tell_customer(state, now, NoticeKind.TICKET_RECEIVED,
                      f"we received your request: {details.subject}",
                      "We have received your request and are on it. To work on it we also "
                      f"need: {missing}. Reply to this message with them.",
                      intake_missing=",".join(details.intake_missing), **committed_dues(state))
        return state
    tell_customer(state, now, NoticeKind.TICKET_RECEIVED,
                  f"we received your request: {details.subject}",
                  "We have received your request and are on it.", **committed_dues(state))
    return state


def wait_for_coverage(state: TicketState, now: datetime, why: str) -> None:
    """A request no slot covers: its clocks stand still, and the customer is told how to
    buy one."""
    hold_while_not_covered(state, now)
    record(state, now, TimelineKind.NOT_COVERED, "system", why)
    how_to_buy = state.plan.how_to_buy
    tell_customer(state, now, NoticeKind.NOT_COVERED, "your request is not covered yet",
                  f"No support slot is left to cover this request. {how_to_buy}".strip(),
                  how_to_buy=how_to_buy)


def committed_dues(state: TicketState) -> dict[str, object]:
    """What a customer may be told of the clocks: the due times the contract commits to
    (``first_response_due``, ...), never an internal target's; and, where the contract says
    only that agents answer during business hours, that."""
    plan, details = state.plan, state.details
    dues: dict[str, object] = {}
    for name, clock in state.clocks.items():
        if clock.internal:
            continue
        target = plan.target_for(name, details.severity, details.type, details.channel)
        if target is not None and target.instant_is_assumed and target.quote:
            # Counted on office hours nobody wrote down: the duration is the contract's,
            # the instant is not. The customer reads the contract's own words.
            dues[f"{name}_words"] = target.quote
        else:
            dues[f"{name}_due"] = clock.due_at()
    if plan.first_response_is_engagement:
        dues["engagement"] = "yes"
    if plan.emergency_line and state.details.severity == Severity.CRITICAL:
        # Bird Enterprise: the business-hours email procedure is for non-critical problems
        # only; a critical one is told of the emergency line (24/7/365) and, where the
        # contract states it, the callback after a call.
        dues["emergency_line"] = "yes"
        dues["emergency_number"] = plan.emergency_number or None
        if not plan.callback_internal:
            dues["callback_minutes"] = round(plan.callback_seconds / 60)
    elif plan.answers_during_business_hours and not {"first_response_due",
                                                      "first_response_words"} & dues.keys():
        dues["answers_during_business_hours"] = "yes"
    return dues


# --- transitions ----------------------------------------------------------------


NOT_COVERED = ("the request is not covered: no support slot is left. Add a slot to the "
               "customer's contracts, or cover it explicitly (POST /tickets/{id}/coverage)")


def refusal_respond(state: TicketState) -> str | None:
    if state.status == TicketStatus.CLOSED:
        return "the ticket is closed; reopen it before responding"
    if state.awaiting_coverage:
        return NOT_COVERED
    return None


def respond(
    state: TicketState, now: datetime, author: str, body: str, automatic: bool = False,
    workaround: bool = False, investigation: bool = False,
) -> None:
    """An agent's response or update. Automatic acknowledgements stop no clock; a
    workaround lowers urgency: the update clock stops while the ticket stays open.

    Where the first response is the first investigation (``first_response_is_investigation``),
    a person's response before it that is neither marked ``investigation`` nor a workaround
    is an acknowledgement: recorded, it stops and restarts no clock."""
    advance_unless_refused(state, now, lambda: refusal_respond(state))
    if automatic:
        record(state, now, TimelineKind.AUTOMATIC_ACKNOWLEDGEMENT, f"system:{author}", body)
        return
    if (state.plan.first_response_is_investigation and state.first_responded_at is None
            and not investigation and not workaround):
        if state.details.assignee is None:
            state.details.assignee = Contact(role="assignee", name=author)
        record(state, now, TimelineKind.ACKNOWLEDGEMENT, f"agent:{author}", body)
        return
    first = answered(state, now, author)
    record(state, now, TimelineKind.AGENT_RESPONSE if first else TimelineKind.AGENT_UPDATE,
           f"agent:{author}", body)
    if workaround:
        workaround_in_place(state, now, author)
    restart_update_clock(state, now)


def answered(state: TicketState, now: datetime, author: str) -> bool:
    """A human answered: the first response clock stops. True for the first answer."""
    if state.details.assignee is None:
        state.details.assignee = Contact(role="assignee", name=author)
    first = state.first_responded_at is None
    if first:
        state.first_responded_at = now
        if ClockName.FIRST_RESPONSE in state.clocks:
            state.clocks[ClockName.FIRST_RESPONSE].stop(now)
    return first


def workaround_in_place(state: TicketState, now: datetime, author: str) -> None:
    state.workaround_at = now
    if ClockName.NEXT_UPDATE in state.clocks:
        state.clocks[ClockName.NEXT_UPDATE].stop(now)
    record(state, now, TimelineKind.WORKAROUND, f"agent:{author}",
           "a workaround is in place: updates are no longer timed until resolution")


#: An agreed update interval shorter than this would page the team all day; longer than
#: the longest target any policy states (Keybe's 48 h study, 360dialog's 48 h) by far is a
#: typo. Both are the product's bounds, not a document's. Held here too, not only at the
#: doors: a message from any client (an older API, a script on Temporal) is bounded, so a
#: zero or an overflowing interval can never reach a timer.
SHORTEST_UPDATE_INTERVAL = timedelta(minutes=1)
LONGEST_UPDATE_INTERVAL = timedelta(days=90)


def refusal_set_update_interval(state: TicketState, seconds: float | None = None) -> str | None:
    if state.status == TicketStatus.CLOSED:
        return "the ticket is closed"
    shortest = SHORTEST_UPDATE_INTERVAL.total_seconds()
    longest = LONGEST_UPDATE_INTERVAL.total_seconds()
    # Written so that NaN is refused too (every comparison with it is false).
    if seconds is not None and not shortest <= seconds <= longest:
        return (f"an update interval is between {format_duration(SHORTEST_UPDATE_INTERVAL)} "
                f"and {format_duration(LONGEST_UPDATE_INTERVAL)}")
    return None


def set_update_interval(state: TicketState, now: datetime, seconds: float, author: str) -> None:
    """The update interval agreed with the customer; a running update clock restarts on it."""
    advance_unless_refused(state, now, lambda: refusal_set_update_interval(state, seconds))
    state.update_interval_seconds = seconds
    record(state, now, TimelineKind.UPDATE_INTERVAL_AGREED, f"agent:{author}",
           f"updates every {format_duration(timedelta(seconds=seconds))}")
    clock = state.clocks.get(ClockName.NEXT_UPDATE)
    if clock is not None and clock.running:
        restart_update_clock(state, now)


def refusal_customer_reply(state: TicketState) -> str | None:
    if state.status == TicketStatus.CLOSED:
        return "the ticket is closed; reopen it or open a new ticket"
    return None


def customer_reply(state: TicketState, now: datetime, body: str, message_id: str = "") -> None:
    """A reply from the customer: it ends a wait on them and answers a proposed resolution.

    A reply whose email Message-ID was already recorded (a redelivered mail) changes nothing.
    """
    refuse_if(refusal_customer_reply(state))
    key = bounds.message_key(message_id) if message_id else ""
    if message_id and (key in state.received_messages or message_id in state.received_messages):
        return
    advance(state, now)
    refuse_if(refusal_customer_reply(state))
    if message_id:
        state.received_messages.append(key)
        bounds.keep_last(state.received_messages, bounds.MESSAGES_KEPT)
    record(state, now, TimelineKind.CUSTOMER_REPLY, "customer", body)
    if state.status in (TicketStatus.WAITING_ON_CUSTOMER, TicketStatus.RESOLUTION_PROPOSED):
        _back_to_open(state, now, "the customer replied")


def refusal_set_status(state: TicketState, status: str) -> str | None:
    if state.awaiting_coverage:
        return NOT_COVERED
    if status not in (TicketStatus.OPEN, TicketStatus.WAITING_ON_CUSTOMER):
        return "status can be set to 'open' or 'waiting_on_customer' here; use the " \
            "resolution, confirmation and reopen endpoints for the rest"
    if state.status == status:
        return f"the ticket is already {status}"
    if state.status == TicketStatus.CLOSED:
        return "the ticket is closed; reopen it instead"
    if state.status == TicketStatus.RESOLUTION_PROPOSED \
            and status == TicketStatus.WAITING_ON_CUSTOMER:
        return "a resolution is proposed: the ticket already waits on the customer's confirmation"
    return None


def set_status(state: TicketState, now: datetime, status: str, author: str) -> None:
    advance_unless_refused(state, now, lambda: refusal_set_status(state, status))
    if status == TicketStatus.WAITING_ON_CUSTOMER:
        change_status(state, now, TicketStatus.WAITING_ON_CUSTOMER, f"agent:{author}",
                      "waiting on customer")
        for name in RESOLVING:
            if name in state.clocks:
                state.clocks[name].pause(now)
    else:
        _back_to_open(state, now, f"set open by {author}")


def refusal_propose_resolution(state: TicketState, kind: str | None = None) -> str | None:
    if state.status == TicketStatus.CLOSED:
        return "the ticket is closed"
    if state.awaiting_coverage:
        return NOT_COVERED
    if kind == "fix" and state.plan.recommendations_only:
        return (f"the {state.plan.plan} tier gets recommendations only; a fix needs a paid "
                "tier: move the customer to one first (a contract or a plan change)")
    if state.status == TicketStatus.RESOLUTION_PROPOSED:
        return "a resolution is already proposed; wait for the customer's confirmation"
    return None


def proposal_kind(state: TicketState, kind: str | None) -> str:
    """What a proposal is when the agent does not say: a recommendation on a
    recommendations-only tier, else a fix."""
    return kind or ("recommendation" if state.plan.recommendations_only else "fix")


def propose_resolution(state: TicketState, now: datetime, author: str, summary: str,
                       kind: str | None = None) -> None:
    advance_unless_refused(state, now, lambda: refusal_propose_resolution(state, kind))
    if proposal_kind(state, kind) == "recommendation":
        summary = f"recommendation: {summary}"
    if state.first_responded_at is None:
        # Proposing a fix is a human answer: it is the first response too.
        state.first_responded_at = now
        if ClockName.FIRST_RESPONSE in state.clocks:
            state.clocks[ClockName.FIRST_RESPONSE].stop(now)
    if state.details.assignee is None:
        state.details.assignee = Contact(role="assignee", name=author)
    for name in RESOLVING:
        if name in state.clocks:
            state.clocks[name].stop(now)
    change_status(state, now, TicketStatus.RESOLUTION_PROPOSED, f"agent:{author}", summary)
    tell_customer(state, now, NoticeKind.RESOLUTION_PROPOSED, "a resolution is proposed",
                  f"{summary}\n\nPlease confirm that it solves your problem.", summary=summary)


def refusal_confirm(state: TicketState) -> str | None:
    if state.status != TicketStatus.RESOLUTION_PROPOSED:
        return f"only a proposed resolution can be confirmed; the ticket is {state.status}"
    return None


def confirm(state: TicketState, now: datetime, comment: str) -> None:
    advance_unless_refused(state, now, lambda: refusal_confirm(state))
    record(state, now, TimelineKind.RESOLUTION_CONFIRMED, "customer", comment)
    close(state, now, "resolution confirmed by the customer")
    ask_for_feedback(state, now)


def refusal_reopen(state: TicketState) -> str | None:
    if state.finished:
        return "the ticket closed too long ago to be reopened; open a new ticket"
    if state.status not in (TicketStatus.CLOSED, TicketStatus.RESOLUTION_PROPOSED):
        return f"only a closed ticket or a proposed resolution can be reopened; it is {state.status}"
    return None


def reopen(state: TicketState, now: datetime, actor: str, reason: str) -> None:
    advance_unless_refused(state, now, lambda: refusal_reopen(state))
    state.closed_at = None
    state.close_reason = None
    # Broken again: a workaround no longer holds, updates are timed again.
    state.workaround_at = None
    _back_to_open(state, now, f"reopened: {reason}" if reason else "reopened", actor=actor)


# --- helpers --------------------------------------------------------------------


def advance_unless_refused(
    state: TicketState, now: datetime, refusal: Callable[[], str | None]
) -> None:
    """Apply what fell due before the change, then refuse it if it is illegal now (an
    auto-close that was due may have made it so). Checked once here: the workflow's
    validator asked the same refusal before the change entered the history."""
    advance(state, now)
    refuse_if(refusal())


def refuse_if(reason: str | None) -> None:
    if reason is not None:
        raise TransitionRefused(reason)


def _back_to_open(state: TicketState, now: datetime, detail: str, actor: str = "system") -> None:
    was = state.status
    change_status(state, now, TicketStatus.OPEN, actor, detail)
    for name in (ClockName.RESOLUTION, ClockName.STUDY):
        if name in state.clocks:
            # Reopening resumes the clock from where it stood, never from zero.
            state.clocks[name].unstop(now)
    if was in (TicketStatus.RESOLUTION_PROPOSED, TicketStatus.CLOSED) \
            or state.first_responded_at is not None:
        restart_update_clock(state, now)


def update_interval(state: TicketState) -> TargetSpec | None:
    """The update interval agreed for the ticket, else the plan's."""
    details = state.details
    if state.update_interval_seconds is not None:
        # Agreed with the customer ("mutually agreed intervals"): a commitment.
        return TargetSpec(kind="elapsed", seconds=state.update_interval_seconds)
    return state.plan.target_for(ClockName.NEXT_UPDATE, details.severity, details.type,
                                 details.channel)


def restart_update_clock(state: TicketState, now: datetime) -> None:
    """Start a fresh update interval: the one agreed for the ticket, else the plan's."""
    interval = update_interval(state)
    if interval is None or state.status != TicketStatus.OPEN or state.workaround_at is not None:
        return
    fresh = start_clock(ClockName.NEXT_UPDATE, interval, state.plan.calendar, now)
    clock = state.clocks.setdefault(ClockName.NEXT_UPDATE, fresh)
    # Business days give a different number of counted seconds from each start.
    clock.target_seconds = fresh.target_seconds
    clock.calendar = fresh.calendar
    # An interval agreed with the customer is a commitment, whatever the plan's default was.
    clock.internal = fresh.internal
    clock.restart(now)


def message_not_delivered(state: TicketState, now: datetime, message: Notification,
                          status: str) -> None:
    """A message failed for good or had nowhere to go: the ticket's timeline says so."""
    record(state, now, not_delivered_kind(status), "system",
           f"{message.kind} to {message.recipient.name} ({message.recipient.role}) "
           f"via {message.channel}")


def link_duplicate(state: TicketState, now: datetime, ticket_id: str) -> None:
    """A later ticket for the same problem is linked here (once)."""
    if ticket_id in state.duplicates:
        return
    state.duplicates_linked = bounds.append_counted(state.duplicates, ticket_id,
                                                    bounds.DUPLICATES_KEPT,
                                                    state.duplicates_linked)
    record(state, now, TimelineKind.DUPLICATE_LINKED, "system",
           f"{ticket_id} was opened for this problem")

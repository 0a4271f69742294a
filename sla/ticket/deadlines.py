"""What happens as time passes: warnings, expected times, breaches, escalation, auto-close.

``advance(state, now)`` applies everything due by ``now`` in time order;
``next_wakeup(state)`` says when the next thing falls due, so the workflow waits for
exactly that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sla.policy.calendars import calendar_for
from sla.policy.durations import format_duration
from sla.policy.snapshot import NEVER, Contact
from sla.ticket.clocks import Clock
from sla.ticket.feedback_link import ask_for_feedback
from sla.ticket.paging import page, page_next_level, paging_due_at
from sla.ticket.records import close, facts, held_due_at, notify, record, release_held, tell_customer
from sla.ticket.state import TicketState
from sla.vocabulary import ClockName, CloseCause, NoticeKind, TicketStatus, TimelineKind

CLOCK_LABELS: dict[str, str] = {
    ClockName.FIRST_RESPONSE: "first response",
    ClockName.NEXT_UPDATE: "next update",
    ClockName.RESOLUTION: "resolution",
    ClockName.STUDY: "study",
    ClockName.CALLBACK: "callback",
}

@dataclass(frozen=True)
class Wakeup:
    at: datetime
    summary: str




def next_wakeup(state: TicketState) -> Wakeup | None:
    """The nearest instant at which :func:`advance` has something to do."""
    candidates: list[Wakeup] = []
    if state.status == TicketStatus.CLOSED:
        if not state.finished and state.closed_at is not None:
            end = state.closed_at + timedelta(seconds=state.plan.reopen_window_seconds)
            candidates.append(Wakeup(end, "reopen window ends"))
    else:
        for clock in state.clocks.values():
            label = CLOCK_LABELS[clock.name]
            warn = clock.warn_due_at(state.plan.warn_at)
            if warn is not None:
                candidates.append(Wakeup(warn, f"{label} warning"))
            expected = clock.expected_due_at()
            if expected is not None:
                candidates.append(Wakeup(expected, f"{label} expected time"))
            due = clock.due_at()
            if due is not None and clock.breached_at is None:
                candidates.append(Wakeup(due, f"{label} due"))
        auto_close = _auto_close_at(state)
        if auto_close is not None:
            candidates.append(Wakeup(auto_close, "auto-close"))
        paging = paging_due_at(state)
        if paging is not None:
            candidates.append(Wakeup(paging, "page the next level"))
        held = held_due_at(state)
        if held is not None:
            candidates.append(Wakeup(held, "send held messages"))
    return min(candidates, key=lambda wakeup: wakeup.at, default=None)


def next_due(state: TicketState) -> tuple[datetime, str] | None:
    """The nearest due time of a running, unbreached clock, and the clock's name."""
    if state.status == TicketStatus.CLOSED:
        return None
    dues = [(due, clock.name) for clock in state.clocks.values()
            if clock.breached_at is None and (due := clock.due_at()) is not None]
    return min(dues, default=None)


def _auto_close_wait(state: TicketState) -> float:
    plan = state.plan
    if state.awaiting_coverage:
        return plan.close_uncovered_after_seconds
    if state.status == TicketStatus.RESOLUTION_PROPOSED \
            and plan.auto_confirm_after_seconds is not None:
        return plan.auto_confirm_after_seconds
    return plan.auto_close_after_seconds


def _auto_close_at(state: TicketState) -> datetime | None:
    """Waiting on the customer, on a confirmation, or for a slot they did not buy."""
    waiting = state.status in (TicketStatus.WAITING_ON_CUSTOMER,
                               TicketStatus.RESOLUTION_PROPOSED) or \
        state.awaiting_coverage
    if not waiting or not state.status_since:
        return None
    wait = _auto_close_wait(state)
    if wait == NEVER:
        return None
    return state.status_since + timedelta(seconds=wait)


def advance(state: TicketState, now: datetime) -> None:
    """Apply everything due by ``now``, in time order: warnings, breaches, auto-close."""
    while (wakeup := next_wakeup(state)) is not None and wakeup.at <= now:
        _fire(state, wakeup.at, now)


def _fire(state: TicketState, at: datetime, now: datetime) -> None:
    if state.status == TicketStatus.CLOSED:
        state.finished = True
        state.version += 1
        return
    auto_close = _auto_close_at(state)
    if auto_close is not None and auto_close <= at:
        waited = round(_auto_close_wait(state))
        wait = format_duration(timedelta(seconds=waited))
        unpaid = state.awaiting_coverage
        if state.status == TicketStatus.RESOLUTION_PROPOSED:
            cause = CloseCause.NO_CONFIRMATION
            reason = f"closed automatically: the customer did not confirm the resolution within {wait}"
        elif unpaid:
            cause = CloseCause.NOT_COVERED
            reason = f"closed automatically: no support slot covered the request within {wait}"
        else:
            cause = CloseCause.NO_REPLY
            reason = f"closed automatically: no customer reply within {wait}"
        close(state, at, reason)
        # The English reason is the timeline's and the fallback text's; the cause and the
        # wait in seconds let each language's template say both in its own words.
        tell_customer(state, at, NoticeKind.CLOSED_AUTOMATICALLY, "your ticket is closed", reason,
                      reason=reason, cause=cause.value, waited=waited)
        if not unpaid:  # nobody worked on it: there is nothing to rate
            ask_for_feedback(state, at)
        return
    paging = paging_due_at(state)
    if paging is not None and paging <= at:
        page_next_level(state, at, now)
        return
    held = held_due_at(state)
    if held is not None and held <= at:
        release_held(state, at)
        return
    for clock in state.clocks.values():
        warning = clock.warn_due_at(state.plan.warn_at)
        if warning is not None and warning <= at:
            warn(state, clock, at)
            return
        expected = clock.expected_due_at()
        if expected is not None and expected <= at:
            miss_expected(state, clock, at)
            return
        due = clock.due_at()
        if due is not None and clock.breached_at is None and due <= at:
            breach(state, clock, at)
            return


def warn(state: TicketState, clock: Clock, at: datetime) -> None:
    clock.warned = True
    label = CLOCK_LABELS[clock.name]
    due = clock.due_at()
    detail = f"{label} clock at {round(state.plan.warn_at * 100)}%, due {due:%Y-%m-%d %H:%M:%S %Z}"
    record(state, at, TimelineKind.SLA_WARNING, "system", detail, clock=clock.name)
    notify(state, at, NoticeKind.SLA_WARNING, assignee_or_queue(state),
           f"[{state.ticket_id}] {label} due soon", detail,
           facts=facts(state, clock=clock.name, due_at=due))


def miss_expected(state: TicketState, clock: Clock, at: datetime) -> None:
    clock.expected_missed = True
    label = CLOCK_LABELS[clock.name]
    record(state, at, TimelineKind.SLA_EXPECTED_MISSED, "system", f"{label} expected time passed",
           clock=clock.name)
    _escalate(state, at, f"{label} expected time passed", f"the expected {label} time",
              clock.name)


def breach(state: TicketState, clock: Clock, at: datetime) -> None:
    clock.breached_at = at
    label = CLOCK_LABELS[clock.name]
    record(state, at, TimelineKind.SLA_BREACH, "system", f"{label} clock breached",
           clock=clock.name)
    if clock.name == ClockName.CALLBACK:
        page(state, at, 1, "the emergency callback is overdue")
        return
    notify(state, at, NoticeKind.SLA_BREACH, assignee_or_queue(state),
           f"[{state.ticket_id}] {label} SLA breached",
           f"The {label} target of {state.details.subject!r} has passed.",
           facts=facts(state, clock=clock.name, breached_at=at))
    investigation = state.plan.investigation_level
    if clock.name == ClockName.RESOLUTION and investigation:
        # Everyone at that level is brought in at once: levels below are passed over.
        state.escalation_level = max(state.escalation_level, investigation - 1)
    _escalate(state, at, f"{label} SLA breached", f"the {label} target", clock.name)


def _escalate(state: TicketState, at: datetime, reason: str, what: str, clock: str) -> None:
    if not state.plan.escalation:
        return
    contact = _next_escalation_point(state, at, clock)
    record(state, at, TimelineKind.ESCALATED, "system",
           f"level {state.escalation_level}: {contact.name} ({contact.role})",
           clock=clock, level=state.escalation_level)
    notify(state, at, NoticeKind.ESCALATION, contact,
           f"[{state.ticket_id}] escalated to you: {reason}",
           f"Ticket {state.ticket_id} ({state.details.severity}, plan {state.plan.plan}): "
           f"{state.details.subject}. {what[0].upper()}{what[1:]} has passed; "
           f"escalation level {state.escalation_level}.",
           facts=facts(state, clock=clock, level=state.escalation_level, reason=reason))


def _next_escalation_point(state: TicketState, at: datetime, clock: str) -> Contact:
    """Raise the level and return whom to tell.

    A level whose contact is outside their calendar (the TAM after hours) is passed
    over rather than waited for; when every remaining level is, the on-call contact
    is told, or, without one, the top of the chain.
    """
    chain = state.plan.escalation
    # Past the top of the chain, the top level is told again.
    first = min(state.escalation_level + 1, len(chain))
    for level in range(first, len(chain) + 1):
        contact = chain[level - 1]
        if calendar_for(contact.calendar).is_open(at):
            state.escalation_level = level
            return contact
        record(state, at, TimelineKind.ESCALATION_SKIPPED, "system",
               f"level {level}: {contact.name} ({contact.role}) is outside their hours",
               clock=clock)
    state.escalation_level = len(chain)
    return state.plan.on_call or chain[-1]


def assignee_or_queue(state: TicketState) -> Contact:
    if state.details.assignee is not None:
        return state.details.assignee
    if state.plan.unassigned is not None:
        return state.plan.unassigned
    return state.plan.escalation[0]

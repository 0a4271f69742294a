"""Calls to the emergency line: the callback owed after a call, the callback made, and
acknowledging the pages sent while it is owed."""

from __future__ import annotations

from datetime import datetime

from sla.ticket import bounds
from sla.ticket.clocks import Clock
from sla.ticket.deadlines import advance
from sla.ticket.lifecycle import (
    advance_unless_refused,
    answered,
    refuse_if,
    restart_update_clock,
    workaround_in_place,
)
from sla.ticket.paging import emergency_of, page, stop_paging
from sla.ticket.records import record, tell_customer
from sla.ticket.state import EmergencyCall, TicketState
from sla.vocabulary import CallbackOutcome, ClockName, NoticeKind, TicketStatus, TimelineKind


def refusal_record_call(state: TicketState) -> str | None:
    if state.status == TicketStatus.CLOSED:
        return "the ticket is closed; an emergency call opens a new ticket"
    return None


def record_call(state: TicketState, now: datetime, call: EmergencyCall) -> None:
    """A call to the emergency line: a callback is owed, unless one already is.

    The same call twice (same call id) is recorded once.
    """
    advance_unless_refused(state, now, lambda: refusal_record_call(state))
    emergency = emergency_of(state)
    if any(known.call_id == call.call_id for known in emergency.calls):
        return
    emergency.calls_taken = bounds.append_counted(emergency.calls, call, bounds.CALLS_KEPT,
                                                  emergency.calls_taken)
    record(state, now, TimelineKind.EMERGENCY_CALL, f"caller:{call.contact_name}",
           f"{call.source} call from {call.contact_name} ({call.company_name}, "
           f"{call.contact_phone}, {call.contact_email}): {call.description}")
    pending = state.clocks.get(ClockName.CALLBACK)
    if pending is not None and not pending.stopped:
        record(state, now, TimelineKind.CALLBACK_ALREADY_PENDING, "system",
               "a callback is already owed for an earlier call; no second clock")
        return
    # The clock starts when the call was taken (the form may be posted a little later).
    started = min(call.taken_at, now)
    state.clocks[ClockName.CALLBACK] = Clock(
        name=ClockName.CALLBACK, target_seconds=state.plan.callback_seconds,
        running_since=started, started_at=started, internal=state.plan.callback_internal)
    emergency.callback_made_at = emergency.callback_outcome = emergency.callback_by = None
    emergency.page_level, emergency.next_page_at = 0, None
    emergency.acknowledged_level = emergency.acknowledged_by = emergency.acknowledged_at = None
    callback = state.clocks[ClockName.CALLBACK]
    callback_due = None if callback.internal else callback.due_at()
    if call.unknown_caller:
        # Nobody knows the number: the team is paged, and the caller is promised nothing.
        page(state, now, 1, f"emergency call from an unknown number {call.contact_phone}")
    else:
        tell_customer(state, now, NoticeKind.CALLBACK_DUE,
                      "a Customer Support agent will call you back",
                      "A Customer Support agent will call you back by "
                      f"{callback_due:%Y-%m-%d %H:%M} UTC." if callback_due
                      else "A Customer Support agent will call you back.",
                      callback_due=callback_due)
    advance(state, now)


def refusal_record_callback(state: TicketState) -> str | None:
    clock = state.clocks.get(ClockName.CALLBACK)
    if clock is None or clock.stopped:
        return "no callback is owed on this ticket"
    return None


def record_callback(
    state: TicketState, now: datetime, agent: str, outcome: str, notes: str
) -> None:
    refuse_if(refusal_record_callback(state))
    advance(state, now)
    state.clocks[ClockName.CALLBACK].stop(now)
    stop_paging(state)
    emergency = emergency_of(state)
    emergency.callback_made_at, emergency.callback_outcome = now, outcome
    emergency.callback_by = agent
    answered(state, now, agent)
    record(state, now, TimelineKind.CALLBACK_MADE, f"agent:{agent}", f"{outcome}: {notes}".rstrip(": "))
    if outcome == CallbackOutcome.WORKAROUND:
        workaround_in_place(state, now, agent)
    restart_update_clock(state, now)


def refusal_acknowledge(state: TicketState, level: int) -> str | None:
    emergency = state.emergency
    if emergency is None or emergency.page_level == 0:
        return "nobody has been paged on this ticket"
    if emergency.acknowledged_level is not None:
        return f"already acknowledged by {emergency.acknowledged_by} at level " \
            f"{emergency.acknowledged_level}"
    if not 1 <= level <= emergency.page_level:
        return f"level {level} has not been paged (paged up to level {emergency.page_level})"
    return None


def acknowledge(state: TicketState, now: datetime, level: int, by: str) -> None:
    advance_unless_refused(state, now, lambda: refusal_acknowledge(state, level))
    emergency = emergency_of(state)
    emergency.acknowledged_level, emergency.acknowledged_by = level, by
    emergency.acknowledged_at = now
    stop_paging(state)
    record(state, now, TimelineKind.PAGE_ACKNOWLEDGED, f"agent:{by}", f"level {level}")

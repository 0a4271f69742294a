"""The ticket life cycle as pure functions of (state, now).

Each transition first asks its ``refusal_*`` function, which the workflow's update
validators call too, so an illegal change is refused before anything is written.
Every change appends timeline entries and messages to the state's pending lists;
the workflow hands those to activities.
"""

from __future__ import annotations

from datetime import datetime

from sla.deadlines import CLOCK_LABELS, Wakeup, advance, next_wakeup
from sla.records import change_status, close, record
from sla.snapshot import Contact, PlanSnapshot
from sla.targets import start_clock
from sla.ticket import TicketDetails, TicketState

__all__ = [
    "CLOCK_LABELS", "RESOLVING", "TransitionRefused", "Wakeup", "advance", "next_wakeup",
    "open_ticket",
]

#: Clocks that run until a resolution (or, for a study, its outcome) is proposed.
RESOLVING = ("resolution", "study", "next_update")


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
    # The next-update clock joins at the first agent response (see _restart_update_clock).
    for name in ("first_response", "resolution", "study"):
        target = plan.target_for(name, severity, details.type, details.channel)
        if target is not None:
            state.clocks[name] = start_clock(name, target, plan.calendar, now)
    record(state, now, "created", "customer", f"{severity} {details.type} via {details.channel}")
    return state


# --- transitions ----------------------------------------------------------------


def refusal_respond(state: TicketState) -> str | None:
    if state.status == "closed":
        return "the ticket is closed; reopen it before responding"
    return None


def respond(
    state: TicketState, now: datetime, author: str, body: str, automatic: bool = False
) -> None:
    """An agent's response or update. Automatic acknowledgements stop no clock."""
    _refuse_if(refusal_respond(state))
    advance(state, now)
    _refuse_if(refusal_respond(state))
    if automatic:
        record(state, now, "automatic_acknowledgement", f"system:{author}", body)
        return
    if state.details.assignee is None:
        state.details.assignee = Contact(role="assignee", name=author)
    first = state.first_responded_at is None
    if first:
        state.first_responded_at = now
        if "first_response" in state.clocks:
            state.clocks["first_response"].stop(now)
    record(state, now, "agent_response" if first else "agent_update", f"agent:{author}", body)
    _restart_update_clock(state, now)


def refusal_customer_reply(state: TicketState) -> str | None:
    if state.status == "closed":
        return "the ticket is closed; reopen it or open a new ticket"
    return None


def customer_reply(state: TicketState, now: datetime, body: str) -> None:
    """A reply from the customer: it ends a wait on them and answers a proposed resolution."""
    _refuse_if(refusal_customer_reply(state))
    advance(state, now)
    _refuse_if(refusal_customer_reply(state))
    record(state, now, "customer_reply", "customer", body)
    if state.status in ("waiting_on_customer", "resolution_proposed"):
        _back_to_open(state, now, "the customer replied")


def refusal_set_status(state: TicketState, status: str) -> str | None:
    if status not in ("open", "waiting_on_customer"):
        return "status can be set to 'open' or 'waiting_on_customer' here; use the " \
            "resolution, confirmation and reopen endpoints for the rest"
    if state.status == status:
        return f"the ticket is already {status}"
    if state.status == "closed":
        return "the ticket is closed; reopen it instead"
    if state.status == "resolution_proposed" and status == "waiting_on_customer":
        return "a resolution is proposed: the ticket already waits on the customer's confirmation"
    return None


def set_status(state: TicketState, now: datetime, status: str, author: str) -> None:
    _refuse_if(refusal_set_status(state, status))
    advance(state, now)
    _refuse_if(refusal_set_status(state, status))
    if status == "waiting_on_customer":
        change_status(state, now, "waiting_on_customer", f"agent:{author}", "waiting on customer")
        for name in RESOLVING:
            if name in state.clocks:
                state.clocks[name].pause(now)
    else:
        _back_to_open(state, now, f"set open by {author}")


def refusal_propose_resolution(state: TicketState) -> str | None:
    if state.status == "closed":
        return "the ticket is closed"
    if state.status == "resolution_proposed":
        return "a resolution is already proposed; wait for the customer's confirmation"
    return None


def propose_resolution(state: TicketState, now: datetime, author: str, summary: str) -> None:
    _refuse_if(refusal_propose_resolution(state))
    advance(state, now)
    _refuse_if(refusal_propose_resolution(state))
    if state.first_responded_at is None:
        # Proposing a fix is a human answer: it is the first response too.
        state.first_responded_at = now
        if "first_response" in state.clocks:
            state.clocks["first_response"].stop(now)
    if state.details.assignee is None:
        state.details.assignee = Contact(role="assignee", name=author)
    for name in RESOLVING:
        if name in state.clocks:
            state.clocks[name].stop(now)
    change_status(state, now, "resolution_proposed", f"agent:{author}", summary)


def refusal_confirm(state: TicketState) -> str | None:
    if state.status != "resolution_proposed":
        return f"only a proposed resolution can be confirmed; the ticket is {state.status}"
    return None


def confirm(state: TicketState, now: datetime, comment: str) -> None:
    _refuse_if(refusal_confirm(state))
    advance(state, now)
    _refuse_if(refusal_confirm(state))
    record(state, now, "resolution_confirmed", "customer", comment)
    close(state, now, "resolution confirmed by the customer")


def refusal_reopen(state: TicketState) -> str | None:
    if state.finished:
        return "the ticket closed too long ago to be reopened; open a new ticket"
    if state.status not in ("closed", "resolution_proposed"):
        return f"only a closed ticket or a proposed resolution can be reopened; it is {state.status}"
    return None


def reopen(state: TicketState, now: datetime, actor: str, reason: str) -> None:
    _refuse_if(refusal_reopen(state))
    advance(state, now)
    _refuse_if(refusal_reopen(state))
    state.closed_at = None
    state.close_reason = None
    _back_to_open(state, now, f"reopened: {reason}" if reason else "reopened", actor=actor)


# --- helpers --------------------------------------------------------------------


def _refuse_if(reason: str | None) -> None:
    if reason is not None:
        raise TransitionRefused(reason)


def _back_to_open(state: TicketState, now: datetime, detail: str, actor: str = "system") -> None:
    was = state.status
    change_status(state, now, "open", actor, detail)
    for name in ("resolution", "study"):
        if name in state.clocks:
            # Reopening resumes the clock from where it stood, never from zero.
            state.clocks[name].unstop(now)
    if was in ("resolution_proposed", "closed") or state.first_responded_at is not None:
        _restart_update_clock(state, now)


def _restart_update_clock(state: TicketState, now: datetime) -> None:
    """Start a fresh update interval, if the plan sets one for this severity."""
    details = state.details
    interval = state.plan.target_for("next_update", details.severity, details.type, details.channel)
    if interval is None or state.status != "open":
        return
    fresh = start_clock("next_update", interval, state.plan.calendar, now)
    clock = state.clocks.setdefault("next_update", fresh)
    # Business days give a different number of counted seconds from each start.
    clock.target_seconds = fresh.target_seconds
    clock.calendar = fresh.calendar
    clock.restart(now)

"""The ticket life cycle as pure functions of (state, now).

Each transition first asks its ``refusal_*`` function, which the workflow's update
validators call too, so an illegal change is refused before anything is written.
Every change appends timeline entries and messages to the state's pending lists;
the workflow hands those to activities.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sla.calendars import calendar_for
from sla.clocks import Clock
from sla.durations import format_duration
from sla.snapshot import NEVER, Contact, PlanSnapshot
from sla.targets import start_clock
from sla.ticket import Notification, TicketDetails, TicketState, TicketStatus, TimelineEntry

CLOCK_LABELS = {
    "first_response": "first response",
    "next_update": "next update",
    "resolution": "resolution",
    "study": "study",
}
#: Clocks that run until a resolution (or, for a study, its outcome) is proposed.
RESOLVING = ("resolution", "study", "next_update")


class TransitionRefused(Exception):
    """An update that is illegal in the ticket's current state; the message says why."""


@dataclass(frozen=True)
class Wakeup:
    at: datetime
    summary: str


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
    _record(state, now, "created", "customer", f"{severity} {details.type} via {details.channel}")
    return state


# --- reading the clocks -------------------------------------------------------------


def next_wakeup(state: TicketState) -> Wakeup | None:
    """The nearest instant at which :func:`advance` has something to do."""
    candidates: list[Wakeup] = []
    if state.status == "closed":
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
    return min(candidates, key=lambda wakeup: wakeup.at, default=None)


def _auto_close_wait(state: TicketState) -> float:
    plan = state.plan
    if state.status == "resolution_proposed" and plan.auto_confirm_after_seconds is not None:
        return plan.auto_confirm_after_seconds
    return plan.auto_close_after_seconds


def _auto_close_at(state: TicketState) -> datetime | None:
    if state.status not in ("waiting_on_customer", "resolution_proposed") or not state.status_since:
        return None
    wait = _auto_close_wait(state)
    if wait == NEVER:
        return None
    return state.status_since + timedelta(seconds=wait)


def advance(state: TicketState, now: datetime) -> None:
    """Apply everything due by ``now``, in time order: warnings, breaches, auto-close."""
    while (wakeup := next_wakeup(state)) is not None and wakeup.at <= now:
        _fire(state, wakeup.at)


def _fire(state: TicketState, at: datetime) -> None:
    if state.status == "closed":
        state.finished = True
        state.version += 1
        return
    auto_close = _auto_close_at(state)
    if auto_close is not None and auto_close <= at:
        wait = format_duration(timedelta(seconds=_auto_close_wait(state)))
        if state.status == "resolution_proposed":
            reason = f"closed automatically: the customer did not confirm the resolution within {wait}"
        else:
            reason = f"closed automatically: no customer reply within {wait}"
        _close(state, at, reason)
        return
    for clock in state.clocks.values():
        warn = clock.warn_due_at(state.plan.warn_at)
        if warn is not None and warn <= at:
            _warn(state, clock, at)
            return
        expected = clock.expected_due_at()
        if expected is not None and expected <= at:
            _miss_expected(state, clock, at)
            return
        due = clock.due_at()
        if due is not None and clock.breached_at is None and due <= at:
            _breach(state, clock, at)
            return


def _warn(state: TicketState, clock: Clock, at: datetime) -> None:
    clock.warned = True
    label = CLOCK_LABELS[clock.name]
    due = clock.due_at()
    detail = f"{label} clock at {round(state.plan.warn_at * 100)}%, due {due:%Y-%m-%d %H:%M:%S %Z}"
    _record(state, at, "sla_warning", "system", detail)
    _notify(state, at, "sla_warning", _assignee_or_queue(state),
            f"[{state.ticket_id}] {label} due soon", detail)


def _miss_expected(state: TicketState, clock: Clock, at: datetime) -> None:
    clock.expected_missed = True
    label = CLOCK_LABELS[clock.name]
    _record(state, at, "sla_expected_missed", "system", f"{label} expected time passed")
    _escalate(state, at, f"{label} expected time passed", f"the expected {label} time")


def _breach(state: TicketState, clock: Clock, at: datetime) -> None:
    clock.breached_at = at
    label = CLOCK_LABELS[clock.name]
    _record(state, at, "sla_breach", "system", f"{label} clock breached")
    _notify(state, at, "sla_breach", _assignee_or_queue(state),
            f"[{state.ticket_id}] {label} SLA breached",
            f"The {label} target of {state.details.subject!r} has passed.")
    investigation = state.plan.investigation_level
    if clock.name == "resolution" and investigation:
        # Everyone at that level is brought in at once: levels below are passed over.
        state.escalation_level = max(state.escalation_level, investigation - 1)
    _escalate(state, at, f"{label} SLA breached", f"the {label} target")


def _escalate(state: TicketState, at: datetime, reason: str, what: str) -> None:
    if not state.plan.escalation:
        return
    contact = _next_escalation_point(state, at)
    _record(state, at, "escalated", "system",
            f"level {state.escalation_level}: {contact.name} ({contact.role})")
    _notify(state, at, "escalation", contact,
            f"[{state.ticket_id}] escalated to you: {reason}",
            f"Ticket {state.ticket_id} ({state.details.severity}, plan {state.plan.plan}): "
            f"{state.details.subject}. {what[0].upper()}{what[1:]} has passed; "
            f"escalation level {state.escalation_level}.")


def _next_escalation_point(state: TicketState, at: datetime) -> Contact:
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
        _record(state, at, "escalation_skipped", "system",
                f"level {level}: {contact.name} ({contact.role}) is outside their hours")
    state.escalation_level = len(chain)
    return state.plan.on_call or chain[-1]


def _assignee_or_queue(state: TicketState) -> Contact:
    if state.details.assignee is not None:
        return state.details.assignee
    if state.plan.unassigned is not None:
        return state.plan.unassigned
    return state.plan.escalation[0]


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
        _record(state, now, "automatic_acknowledgement", f"system:{author}", body)
        return
    if state.details.assignee is None:
        state.details.assignee = Contact(role="assignee", name=author)
    first = state.first_responded_at is None
    if first:
        state.first_responded_at = now
        if "first_response" in state.clocks:
            state.clocks["first_response"].stop(now)
    _record(state, now, "agent_response" if first else "agent_update", f"agent:{author}", body)
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
    _record(state, now, "customer_reply", "customer", body)
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
        _change_status(state, now, "waiting_on_customer", f"agent:{author}", "waiting on customer")
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
    _change_status(state, now, "resolution_proposed", f"agent:{author}", summary)


def refusal_confirm(state: TicketState) -> str | None:
    if state.status != "resolution_proposed":
        return f"only a proposed resolution can be confirmed; the ticket is {state.status}"
    return None


def confirm(state: TicketState, now: datetime, comment: str) -> None:
    _refuse_if(refusal_confirm(state))
    advance(state, now)
    _refuse_if(refusal_confirm(state))
    _record(state, now, "resolution_confirmed", "customer", comment)
    _close(state, now, "resolution confirmed by the customer")


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
    _change_status(state, now, "open", actor, detail)
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


def _change_status(
    state: TicketState, now: datetime, status: TicketStatus, actor: str, detail: str
) -> None:
    state.status = status
    state.status_since = now
    _record(state, now, f"status_{status}", actor, detail)


def _close(state: TicketState, now: datetime, reason: str) -> None:
    for clock in state.clocks.values():
        clock.stop(now)
    state.closed_at = now
    state.close_reason = reason
    _change_status(state, now, "closed", "system", reason)


def _next_seq(state: TicketState) -> int:
    state.seq += 1
    return state.seq


def _record(state: TicketState, at: datetime, kind: str, actor: str, detail: str) -> None:
    state.version += 1
    state.pending_timeline.append(
        TimelineEntry(seq=_next_seq(state), at=at, kind=kind, actor=actor, detail=detail)
    )


def _notify(
    state: TicketState, at: datetime, kind: str, recipient: Contact, subject: str, body: str
) -> None:
    seq = _next_seq(state)
    channel = "email" if recipient.email else "sms" if recipient.phone else "log"
    state.pending_notifications.append(
        Notification(
            idempotency_key=f"{state.ticket_id}:{seq}",
            ticket_id=state.ticket_id,
            kind=kind,
            recipient=recipient,
            channel=channel,
            subject=subject,
            body=body,
            created_at=at,
        )
    )

"""A running ticket takes new targets: its severity, its type, its plan or its policy changed.

Each clock that still runs toward a target keeps the time it has used (recounted in the
new targets' calendar, stretch by stretch, so every pause stays a pause) and takes its
new target. A clock the new targets make overdue breaches at once; one they drop is
ended (neither met nor breached); one they add starts now (first response only while
nobody has answered). A clock already met stays met, and a breach stays recorded even
when the new target is longer: it happened under the targets then in force.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sla.policy.calendars import CalendarSpec
from sla.policy.snapshot import SEVERITIES, TICKET_TYPES, PlanSnapshot
from sla.policy.targets import TargetSpec, start_clock, target_seconds
from sla.ticket.clocks import Clock
from sla.ticket.deadlines import CLOCK_LABELS, breach, miss_expected, warn
from sla.ticket.lifecycle import advance_unless_refused, restart_update_clock, update_interval
from sla.ticket.records import cancel_held, hold_while_not_covered, record
from sla.ticket.state import TicketState
from sla.vocabulary import ClockName, Severity, TicketStatus, TimelineKind

#: The clocks a policy's targets govern (the emergency callback follows the emergency line).
RETARGETED = (ClockName.FIRST_RESPONSE, ClockName.RESOLUTION, ClockName.STUDY,
              ClockName.NEXT_UPDATE)

#: A clock's target and the calendar it counts in; None: the targets have no such clock.
Governed = tuple[TargetSpec, CalendarSpec | None] | None


def refusal_retarget(state: TicketState) -> str | None:
    if state.status == TicketStatus.CLOSED:
        return "the ticket is closed: it keeps the targets it closed under; reopen it first"
    if state.details.duplicate_of is not None:
        return f"the ticket duplicates {state.details.duplicate_of}, which carries the SLA " \
            "clocks: change that ticket"
    return None


def refusal_change_severity(state: TicketState, severity: str) -> str | None:
    if severity not in SEVERITIES:
        return f"unknown severity {severity!r}; one of {', '.join(SEVERITIES)}"
    refusal = refusal_retarget(state)
    if refusal is not None:
        return refusal
    if state.plan.emergency and severity != Severity.CRITICAL:
        return f"every ticket on plan {state.plan.plan} is an emergency: its severity stays " \
            "critical"
    if severity == state.details.severity:
        return f"the ticket is already {severity}"
    return None


def change_severity(state: TicketState, now: datetime, severity: str, actor: str) -> None:
    advance_unless_refused(state, now, lambda: refusal_change_severity(state, severity))
    old = state.details.severity

    def change() -> None:
        state.details.severity = severity

    _retarget(state, now, change, TimelineKind.SEVERITY_CHANGED, actor,
              f"severity {old} → {severity}")


def refusal_change_type(state: TicketState, ticket_type: str) -> str | None:
    if ticket_type not in TICKET_TYPES:
        return f"unknown type {ticket_type!r}; one of {', '.join(TICKET_TYPES)}"
    refusal = refusal_retarget(state)
    if refusal is not None:
        return refusal
    if ticket_type == state.details.type:
        return f"the ticket is already of type {ticket_type}"
    return None


def change_type(state: TicketState, now: datetime, ticket_type: str, actor: str) -> None:
    advance_unless_refused(state, now, lambda: refusal_change_type(state, ticket_type))
    old = state.details.type

    def change() -> None:
        state.details.type = ticket_type

    _retarget(state, now, change, TimelineKind.TYPE_CHANGED, actor,
              f"type {old} → {ticket_type}")


def refusal_change_plan(state: TicketState, plan: PlanSnapshot) -> str | None:
    refusal = refusal_retarget(state)
    if refusal is not None:
        return refusal
    current = state.plan
    if (plan.plan, plan.policy_name, plan.policy_hash) == \
            (current.plan, current.policy_name, current.policy_hash):
        return f"the ticket already runs under plan {plan.plan} of {_version(plan)}"
    return None


def change_plan(
    state: TicketState, now: datetime, plan: PlanSnapshot, actor: str, reason: str = ""
) -> None:
    """The customer's plan changed, or another policy version is applied (or rolled back)."""
    advance_unless_refused(state, now, lambda: refusal_change_plan(state, plan))
    old = state.plan
    headline = []
    if plan.plan != old.plan:
        headline.append(f"plan {old.plan} → {plan.plan}")
    if (plan.policy_name, plan.policy_hash) != (old.policy_name, old.policy_hash):
        headline.append(f"policy {_version(old)} → {_version(plan)}")
    if reason:
        headline.append(reason)

    def change() -> None:
        state.plan = plan
        state.details.severity = plan.effective_severity(state.details.severity)
        # The level is a place in the chain: it cannot be past the new chain's top.
        state.escalation_level = min(state.escalation_level, len(plan.escalation))

    _retarget(state, now, change, TimelineKind.PLAN_CHANGED, actor, "; ".join(headline))


def _version(plan: PlanSnapshot) -> str:
    return f"{plan.policy_name or 'unnamed policy'}@{plan.policy_hash or '?'}"


def governed(state: TicketState) -> dict[str, Governed]:
    """What the ticket's current details and plan say of each clock."""
    details, plan = state.details, state.plan
    rules = plan.types.get(details.type)
    if rules is not None and not rules.sla:
        return dict.fromkeys(RETARGETED)
    out: dict[str, Governed] = {}
    for name in RETARGETED:
        if name == ClockName.NEXT_UPDATE:
            target = update_interval(state)
        else:
            target = plan.target_for(name, details.severity, details.type, details.channel)
        calendar = None if target is None or target.kind == "elapsed" else plan.calendar
        out[name] = None if target is None else (target, calendar)
    return out


def _retarget(
    state: TicketState, now: datetime, change: Callable[[], None], kind: TimelineKind,
    actor: str, headline: str,
) -> None:
    before = governed(state)
    change()
    after = governed(state)
    changes: list[str] = []
    retargeted: list[Clock] = []
    ended: set[str] = set()
    for name in RETARGETED:
        old, new = before[name], after[name]
        clock = state.clocks.get(name)
        label = CLOCK_LABELS[name]
        if clock is not None and not clock.stopped:
            if new is None:
                clock.end(now)
                ended.add(name)
                changes.append(f"{label} {_describe(old)} → none: clock ended")
                continue
            _take_target(state, clock, new, now)
            retargeted.append(clock)
            if old != new:
                changes.append(f"{label} {_describe(old)} → {_describe(new)}")
        elif new is not None and _owed(state, name, clock):
            started = _start(state, name, new, now)
            if started is not None:
                retargeted.append(started)
                changes.append(f"{label} {_describe(old)} → {_describe(new)}: clock started")
    switched_off = all(target is None for target in after.values()) and \
        any(target is not None for target in before.values())
    detail = "; ".join([headline, *changes] if changes else [headline, "targets unchanged"])
    hold_while_not_covered(state, now)
    record(state, now, kind, actor, detail)
    if switched_off:
        record(state, now, TimelineKind.SLA_SWITCHED_OFF, actor,
               "no SLA applies any more: every clock and held message is stopped")
        cancel_held(state, now, "no SLA applies any more")
        # An update interval agreed for the ticket ends with its SLA: a later response
        # must not start the clock again.
        state.update_interval_seconds = None
    elif ended:
        cancel_held(state, now, "the clock ended", clocks=ended)
    for clock in retargeted:
        _catch_up(state, clock, now)


def _describe(governed: Governed) -> str:
    return "none" if governed is None else governed[0].describe()


def _take_target(
    state: TicketState, clock: Clock, governed: tuple[TargetSpec, CalendarSpec | None],
    now: datetime,
) -> None:
    target, calendar = governed
    clock.recount(calendar, now)
    # Business days are counted from the cycle's start: "2 business days" is due at the
    # same local time two open days after it, whenever the target changed.
    clock.target_seconds = target_seconds(target, calendar, clock.started_at or state.created_at)
    clock.expected_seconds = target.expected_seconds
    clock.internal = target.internal
    used = clock.used(now).total_seconds()
    # A target that moved away from a threshold already passed brings its message again.
    if used < (clock.expected_seconds or clock.target_seconds) * state.plan.warn_at:
        clock.warned = False
    if not clock.expected_seconds or used < clock.expected_seconds:
        clock.expected_missed = False


def _owed(state: TicketState, name: str, clock: Clock | None) -> bool:
    """Whether a clock the old targets did not have (or had ended) is owed now."""
    if clock is not None and clock.ended_at is None:
        return False  # met or breached-and-stopped: history, not restarted
    if name == ClockName.FIRST_RESPONSE:
        return state.first_responded_at is None
    if name in (ClockName.RESOLUTION, ClockName.STUDY):
        return state.status in (TicketStatus.OPEN, TicketStatus.WAITING_ON_CUSTOMER)
    return state.status == TicketStatus.OPEN and state.first_responded_at is not None


def _start(
    state: TicketState, name: str, governed: tuple[TargetSpec, CalendarSpec | None],
    now: datetime,
) -> Clock | None:
    if name == ClockName.NEXT_UPDATE:
        restart_update_clock(state, now)
        return state.clocks.get(ClockName.NEXT_UPDATE)
    clock = state.clocks.get(name)
    if clock is not None:
        # Ended by earlier targets and owed again: it goes on from the time it had used.
        clock.ended_at = clock.stopped_at = None
        _take_target(state, clock, governed, now)
        if state.status == TicketStatus.OPEN:
            clock.resume(now)
        return clock
    # Waiting on the customer: the new clock exists but waits, like the others.
    clock = start_clock(name, governed[0], state.plan.calendar, now,
                        running=state.status == TicketStatus.OPEN
                        or name == ClockName.FIRST_RESPONSE)
    state.clocks[name] = clock
    return clock


def _catch_up(state: TicketState, clock: Clock, now: datetime) -> None:
    """What the new target makes due already happens now, not at a past instant."""
    used = clock.used(now).total_seconds()
    if clock.breached_at is None and used >= clock.target_seconds:
        breach(state, clock, now)
        return
    if not clock.running:
        return  # a paused clock's expected time and warning come when it runs again
    if clock.expected_seconds and not clock.expected_missed and used >= clock.expected_seconds:
        miss_expected(state, clock, now)
        return
    threshold = (clock.expected_seconds or clock.target_seconds) * state.plan.warn_at
    if not clock.warned and clock.breached_at is None and used >= threshold:
        warn(state, clock, now)

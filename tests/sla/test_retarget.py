"""Re-targeting a running ticket, and messages held for their recipient's hours: pure
functions, exact instants (Rome office hours 09:00-17:00, Monday to Friday)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sla.ticket import lifecycle, records, retarget
from sla.ticket.state import TicketDetails, TicketState
from tests.support.domain import (
    MONDAY_10,
    MONDAY_23,
    ROME_POLICY,
    TUESDAY_9,
    rome_snapshot,
    rome_ticket,
    warned_at_night,
)


def timeline(state: TicketState) -> list[tuple[str, str]]:
    return [(entry.kind, entry.detail) for entry in state.pending_timeline]


def test_upgrade_after_a_pause_keeps_the_pause_and_counts_the_used_time_24_7() -> None:
    state = rome_ticket("minor")
    lifecycle.respond(state, MONDAY_10 + timedelta(minutes=30), "ann", "looking")
    lifecycle.set_status(state, MONDAY_10 + timedelta(hours=1), "waiting_on_customer", "ann")
    # Paused for two hours, then one more hour of work: 2 hours of resolution used.
    lifecycle.customer_reply(state, MONDAY_10 + timedelta(hours=3), "here are the logs")
    at = MONDAY_10 + timedelta(hours=4)
    retarget.change_severity(state, at, "critical", "agent:ann")
    resolution = state.clocks["resolution"]
    assert resolution.used(at) == timedelta(hours=2)
    assert resolution.calendar is None  # critical counts every hour
    assert resolution.due_at() == at + timedelta(hours=2)
    kind, detail = timeline(state)[-1]
    assert kind == "severity_changed"
    # The first response was met before the change: it stays met, untouched.
    assert detail == "severity minor → critical; resolution 5 business days → 4h"
    assert state.clocks["first_response"].public_state() == "met"
    assert state.pending_timeline[-1].actor == "agent:ann"


def test_downgrade_from_24_7_to_business_hours_recounts_only_office_time() -> None:
    # Opened Monday 16:00 Rome as critical; at Tuesday 10:00 Rome 18 hours have passed,
    # of which 2 were office hours (16-17 Monday, 9-10 Tuesday).
    opened = MONDAY_10 + timedelta(hours=6)
    state = rome_ticket("critical", at=opened)
    at = opened + timedelta(hours=18)
    lifecycle.advance(state, at)
    assert state.clocks["first_response"].breached_at is not None
    retarget.change_severity(state, at, "major", "agent:ann")
    first = state.clocks["first_response"]
    assert first.used(at) == timedelta(hours=2)
    assert first.breached_at is not None  # the breach happened under the targets then
    assert first.due_at() == at + timedelta(hours=2)


def test_a_target_the_change_makes_overdue_breaches_at_once() -> None:
    state = rome_ticket("minor")
    at = MONDAY_10 + timedelta(hours=2)
    retarget.change_severity(state, at, "critical", "agent:ann")
    kinds = [kind for kind, _ in timeline(state)]
    assert kinds[-3:] == ["severity_changed", "sla_breach", "escalated"]
    breach = state.pending_timeline[-2]
    assert breach.at == at and breach.clock == "first_response"
    assert [n.kind for n in state.pending_notifications][-2:] == ["sla_breach", "escalation"]


def test_a_clock_passing_its_warning_threshold_warns_at_once() -> None:
    state = rome_ticket("minor")
    at = MONDAY_10 + timedelta(minutes=50)
    retarget.change_severity(state, at, "critical", "agent:ann")
    assert timeline(state)[-1][0] == "sla_warning"
    assert state.clocks["first_response"].warned


def test_longer_targets_warn_again_at_their_own_threshold() -> None:
    state = rome_ticket("critical")
    lifecycle.advance(state, MONDAY_10 + timedelta(minutes=50))
    assert state.clocks["first_response"].warned
    retarget.change_severity(state, MONDAY_10 + timedelta(minutes=50), "minor", "agent:ann")
    first = state.clocks["first_response"]
    assert not first.warned
    assert first.warn_due_at(0.75) == MONDAY_10 + timedelta(hours=6)


def test_type_without_sla_ends_every_clock_and_back_resumes_from_the_time_used() -> None:
    state = rome_ticket("major")
    at = MONDAY_10 + timedelta(hours=1)
    retarget.change_type(state, at, "information", "agent:ann")
    assert {name: clock.public_state() for name, clock in state.clocks.items()} == \
        {"first_response": "ended", "resolution": "ended"}
    assert lifecycle.next_wakeup(state) is None
    assert [kind for kind, _ in timeline(state)][-2:] == ["type_changed", "sla_switched_off"]
    later = at + timedelta(hours=1)
    retarget.change_type(state, later, "problem", "agent:ann")
    first = state.clocks["first_response"]
    assert first.public_state() == "running"
    # The hour with no SLA did not count.
    assert first.used(later) == timedelta(hours=1)
    assert "first response none → 4h of business time: clock started" in timeline(state)[-1][1]


def test_a_dropped_clock_ends_and_stays_ended_on_reopen() -> None:
    text = ROME_POLICY.replace('resolution = { critical = "4h", major = "2 business days", '
                          'minor = "5 business days" }',
                          'resolution = { critical = "4h", major = "2 business days", '
                          'minor = "none" }')
    details = TicketDetails(ticket_id="TCK-1", customer_id=1, subject="Slow", description="x",
                            severity="major", type="problem", channel="api")
    state = lifecycle.open_ticket(details, rome_snapshot(text=text), MONDAY_10)
    retarget.change_severity(state, MONDAY_10 + timedelta(hours=1), "minor", "agent:ann")
    assert state.clocks["resolution"].public_state() == "ended"
    assert "resolution 2 business days → none: clock ended" in timeline(state)[-1][1]
    lifecycle.propose_resolution(state, MONDAY_10 + timedelta(hours=2), "ann", "fixed")
    lifecycle.reopen(state, MONDAY_10 + timedelta(hours=3), "customer", "not fixed")
    assert state.clocks["resolution"].public_state() == "ended"


def test_plan_change_takes_the_new_chain_calendar_and_targets() -> None:
    state = rome_ticket("major")
    at = MONDAY_10 + timedelta(hours=1)
    retarget.change_plan(state, at, rome_snapshot("premium"), "admin:ops", "customer upgraded")
    assert state.plan.plan == "premium"
    first = state.clocks["first_response"]
    assert first.calendar is None and first.due_at() == MONDAY_10 + timedelta(hours=2)
    assert timeline(state)[-1] == (
        "plan_changed", "plan standard → premium; customer upgraded; first response 4h of "
        "business time → 2h; resolution 2 business days → 8h")


def test_policy_applied_and_rolled_back() -> None:
    state = rome_ticket("major")
    edited = ROME_POLICY.replace('major = "4 business hours"', 'major = "2 business hours"')
    new = rome_snapshot(text=edited, name="p.toml")
    old = state.plan
    assert new.policy_hash != old.policy_hash
    retarget.change_plan(state, MONDAY_10 + timedelta(minutes=30), new, "admin:ops")
    assert state.clocks["first_response"].due_at() == MONDAY_10 + timedelta(hours=2)
    assert timeline(state)[-1][1].startswith(
        f"policy p.toml@{old.policy_hash} → p.toml@{new.policy_hash}")
    retarget.change_plan(state, MONDAY_10 + timedelta(hours=1), old, "admin:ops", "rolled back")
    assert state.clocks["first_response"].due_at() == MONDAY_10 + timedelta(hours=4)
    with pytest.raises(lifecycle.TransitionRefused, match="already runs under plan standard"):
        retarget.change_plan(state, MONDAY_10 + timedelta(hours=1), old, "admin:ops")


@pytest.mark.parametrize(("severity", "status", "reason"), [
    ("minor", "open", "already minor"),
    ("urgent", "open", "unknown severity 'urgent'"),
    ("major", "closed", "the ticket is closed"),
])
def test_refusals_say_why(severity: str, status: str, reason: str) -> None:
    state = rome_ticket("minor")
    if status == "closed":
        lifecycle.propose_resolution(state, MONDAY_10, "ann", "fixed")
        lifecycle.confirm(state, MONDAY_10, "thanks")
    assert reason in (retarget.refusal_change_severity(state, severity) or "")


def test_an_emergency_plan_keeps_every_ticket_critical() -> None:
    text = ROME_POLICY.replace("[plans.premium]", "[plans.premium]\nemergency = true")
    state = rome_ticket("critical")
    retarget.change_plan(state, MONDAY_10, rome_snapshot("premium", text), "admin:ops")
    assert "is an emergency" in (retarget.refusal_change_severity(state, "minor") or "")


# --- messages held for their recipient's hours -------------------------------------

def test_a_warning_to_the_tam_at_night_is_held_until_their_hours_begin() -> None:
    state = warned_at_night()
    assert state.pending_notifications == []
    [held] = state.held_notifications
    assert (held.kind, held.recipient.role, held.created_at, held.send_at) == \
        ("sla_warning", "tam", MONDAY_23, TUESDAY_9)
    assert timeline(state)[-1] == ("notice_held", "sla_warning to Tess (tam) held until "
                                   "2026-03-03 08:00 UTC, when their hours begin")
    assert lifecycle.next_wakeup(state) == lifecycle.Wakeup(TUESDAY_9, "send held messages")
    lifecycle.advance(state, TUESDAY_9)
    assert [(n.kind, n.idempotency_key) for n in state.pending_notifications] == \
        [("sla_warning", held.idempotency_key)]
    assert state.held_notifications == []


def test_a_held_warning_about_a_clock_met_meanwhile_is_dropped() -> None:
    state = warned_at_night()
    lifecycle.respond(state, MONDAY_23 + timedelta(minutes=5), "ann", "on it")
    lifecycle.advance(state, TUESDAY_9)
    assert "sla_warning" not in [n.kind for n in state.pending_notifications]
    assert timeline(state)[-1][0] == "notice_cancelled"


def test_urgent_messages_go_at_once_whatever_the_hour() -> None:
    state = warned_at_night("critical")
    assert state.held_notifications == []
    assert [(n.kind, n.recipient.role, n.created_at) for n in state.pending_notifications
            if n.facts.get("clock") == "first_response"] == [("sla_warning", "tam", MONDAY_23)]


def test_closing_or_switching_the_sla_off_cancels_held_messages() -> None:
    state = warned_at_night()
    retarget.change_type(state, MONDAY_23 + timedelta(minutes=1), "information", "agent:ann")
    assert state.held_notifications == []
    assert [kind for kind, _ in timeline(state)][-2:] == ["sla_switched_off", "notice_cancelled"]
    state = warned_at_night()
    lifecycle.propose_resolution(state, MONDAY_23, "ann", "fixed")
    lifecycle.confirm(state, MONDAY_23, "thanks")
    assert state.held_notifications == []
    assert "notice_cancelled" in [kind for kind, _ in timeline(state)]


def test_a_page_goes_at_once_on_any_ticket_whatever_the_hour() -> None:
    state = rome_ticket("minor", at=MONDAY_23)
    tam = state.plan.escalation[0]
    assert tam.calendar is not None
    records.notify(state, MONDAY_23, "page", tam, "EMERGENCY", "callback missed", urgent=True)
    assert state.held_notifications == []
    assert [n.kind for n in state.pending_notifications][-1] == "page"

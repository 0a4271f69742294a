"""The life cycle as pure functions: no Temporal, exact instants."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sla.policy.loading import parse_policy
from sla.ticket import emergency_line, lifecycle
from sla.ticket.clocks import Clock
from sla.ticket.state import TicketDetails, TicketState
from tests.support.domain import OFFICE, START, TAM, ticket


def test_clock_pause_and_resume_keeps_used_time() -> None:
    clock = Clock(name="resolution", target_seconds=7200, running_since=START)
    clock.pause(START + timedelta(minutes=30))
    assert clock.due_at() is None
    assert clock.remaining(START + timedelta(days=1)) == timedelta(minutes=90)
    clock.resume(START + timedelta(hours=5))
    assert clock.due_at() == START + timedelta(hours=6, minutes=30)
    assert clock.warn_due_at(0.75) == START + timedelta(hours=6)


def test_first_wakeup_is_the_first_response_warning() -> None:
    state = ticket()
    wakeup = lifecycle.next_wakeup(state)
    assert wakeup == lifecycle.Wakeup(START + timedelta(minutes=22, seconds=30),
                                      "first response warning")


def test_advance_applies_everything_due_in_time_order() -> None:
    state = ticket()
    lifecycle.advance(state, START + timedelta(hours=3))
    kinds = [(n.kind, n.recipient.role, n.created_at - START)
             for n in state.pending_notifications]
    assert kinds == [
        ("sla_warning", "support_lead", timedelta(minutes=22, seconds=30)),
        ("sla_breach", "support_lead", timedelta(minutes=30)),
        ("escalation", "tam", timedelta(minutes=30)),
        ("sla_warning", "support_lead", timedelta(minutes=90)),
        ("sla_breach", "support_lead", timedelta(hours=2)),
        ("escalation", "support_lead", timedelta(hours=2)),
    ]
    assert state.escalation_level == 2
    keys = [n.idempotency_key for n in state.pending_notifications]
    assert len(set(keys)) == len(keys)
    assert all(key.startswith("TCK-1:") for key in keys)


def test_advance_twice_sends_nothing_twice() -> None:
    state = ticket()
    lifecycle.advance(state, START + timedelta(hours=3))
    sent = len(state.pending_notifications)
    lifecycle.advance(state, START + timedelta(hours=3))
    assert len(state.pending_notifications) == sent


def test_breach_beyond_the_chain_stays_at_the_top_level() -> None:
    state = ticket()
    lifecycle.respond(state, START + timedelta(minutes=1), "ana", "hi")
    lifecycle.advance(state, START + timedelta(hours=5))  # next update and resolution breach
    assert state.escalation_level == 2
    escalations = [n.recipient.role for n in state.pending_notifications if n.kind == "escalation"]
    assert escalations == ["tam", "support_lead"]


def test_response_arriving_after_the_due_time_records_the_breach_first() -> None:
    state = ticket()
    lifecycle.respond(state, START + timedelta(minutes=45), "ana", "sorry for the wait")
    assert state.clocks["first_response"].public_state() == "breached"
    kinds = [entry.kind for entry in state.pending_timeline]
    assert kinds.index("sla_breach") < kinds.index("agent_response")


def test_refusals_explain_themselves() -> None:
    state = ticket()
    with pytest.raises(lifecycle.TransitionRefused, match="only a proposed resolution"):
        lifecycle.confirm(state, START, "")
    with pytest.raises(lifecycle.TransitionRefused, match="'open' or 'waiting_on_customer'"):
        lifecycle.set_status(state, START, "closed", "ana")


def office_ticket(created: datetime, severity: str = "critical") -> TicketState:
    policy = parse_policy(OFFICE, Path("office.toml"))
    details = TicketDetails(ticket_id="TCK-2", customer_id=1, subject="Down", description="x",
                            severity=severity, type="problem", channel="api")
    return lifecycle.open_ticket(details, policy.snapshot("premium", TAM, created), created)


ROME = ZoneInfo("Europe/Rome")


def test_business_hours_clock_does_not_run_at_night() -> None:
    # Friday 17:00 in Rome, 4 business hours: 1h on Friday, then Saturday 09-12.
    state = office_ticket(datetime(2026, 3, 6, 17, tzinfo=ROME))
    first_response = state.clocks["first_response"]
    assert first_response.due_at() == datetime(2026, 3, 7, 12, tzinfo=ROME)
    assert first_response.used(datetime(2026, 3, 7, 8, tzinfo=ROME)) == timedelta(hours=1)
    lifecycle.advance(state, datetime(2026, 3, 7, 11, 59, tzinfo=ROME))
    assert first_response.breached_at is None
    # Started on Saturday 12:30, after closing: the 4 hours are Monday 09:00-13:00.
    weekend = office_ticket(datetime(2026, 3, 7, 12, 30, tzinfo=ROME))
    assert weekend.clocks["first_response"].due_at() == datetime(2026, 3, 9, 13, tzinfo=ROME)


def test_tam_outside_their_hours_is_passed_over_for_the_next_level() -> None:
    # Minor tickets have 3 calendar days: a breach in office hours reaches the TAM,
    # a breach at night goes past the TAM to the next level.
    state = office_ticket(datetime(2026, 3, 6, 17, tzinfo=ROME), severity="minor")  # 3 days
    lifecycle.advance(state, datetime(2026, 3, 9, 17, 1, tzinfo=ROME))  # Monday 17:00, TAM in
    assert [n.recipient.role for n in state.pending_notifications if n.kind == "escalation"] == [
        "tam"]
    night = office_ticket(datetime(2026, 3, 6, 22, tzinfo=ROME), severity="minor")
    lifecycle.advance(night, datetime(2026, 3, 9, 23, tzinfo=ROME))  # Monday 22:00, TAM out
    assert night.escalation_level == 2
    assert [n.recipient.role for n in night.pending_notifications if n.kind == "escalation"] == [
        "support_lead"]
    assert "escalation_skipped" in [entry.kind for entry in night.pending_timeline]


def test_when_every_level_is_out_the_on_call_contact_is_told() -> None:
    policy_text = OFFICE.replace('name = "Support lead"', 'name = "Support lead"\ncalendar = "rome_office"')
    policy = parse_policy(policy_text, Path("office.toml"))
    created = datetime(2026, 3, 6, 22, tzinfo=ROME)
    details = TicketDetails(ticket_id="TCK-3", customer_id=1, subject="Down", description="x",
                            severity="minor", type="problem", channel="api")
    state = lifecycle.open_ticket(details, policy.snapshot("premium", TAM, created), created)
    lifecycle.advance(state, datetime(2026, 3, 9, 23, tzinfo=ROME))
    escalations = [n.recipient.role for n in state.pending_notifications if n.kind == "escalation"]
    assert escalations == ["night_desk"]
    assert state.escalation_level == 2


DELIVERY = """
unassigned = "support_lead"

[delivery]
support_lead = ["email", "chat"]
tam = ["chat"]
urgent = ["sms", "voice"]

[plans.premium]
first_response = "30m"
escalation = ["tam", "support_lead"]

[contacts.support_lead]
name = "Support lead"
email = "lead@example.com"
chat = "#support"
"""


def test_roles_get_each_of_their_channels_and_the_unreachable_are_recorded() -> None:
    policy = parse_policy(DELIVERY, Path("delivery.toml"))
    details = TicketDetails(ticket_id="TCK-4", customer_id=1, subject="Down", description="x",
                            severity="major", type="problem", channel="api")
    state = lifecycle.open_ticket(details, policy.snapshot("premium", TAM, START), START)
    lifecycle.advance(state, START + timedelta(minutes=31))
    sent = [(n.kind, n.recipient.role, n.channel) for n in state.pending_notifications]
    assert sent == [
        ("sla_warning", "support_lead", "email"), ("sla_warning", "support_lead", "chat"),
        ("sla_breach", "support_lead", "email"), ("sla_breach", "support_lead", "chat"),
        # The TAM's role goes to chat only, and the TAM has no chat address.
        ("escalation", "tam", "undeliverable"),
    ]
    assert len({n.idempotency_key for n in state.pending_notifications}) == 5


def test_paging_missed_while_the_worker_was_down_is_not_replayed_page_by_page() -> None:
    from sla.ticket.state import EmergencyCall

    state = ticket()
    call = EmergencyCall(call_id="CA-1", taken_at=START, source="intake", company_name="Acme",
                         contact_name="Rita", contact_phone="+3902", contact_email="r@a.example",
                         description="down")
    emergency_line.record_call(state, START, call)
    # A week without a worker: the callback was missed long ago.
    lifecycle.advance(state, START + timedelta(days=7))
    pages = [n for n in state.pending_notifications if n.kind == "page"]
    assert len(pages) <= 4  # level 1 (TAM), then one catch-up page, not a week of them
    assert state.emergency is not None
    assert state.emergency.next_page_at == START + timedelta(days=7, minutes=10)

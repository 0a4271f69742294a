"""A suspected duplicate keeps its clocks until an agent decides; pure, on the life cycle."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from sla.ticket import emergency_line, lifecycle
from sla.ticket.duplicate_review import decide_duplicate, refusal_decide_duplicate
from sla.ticket.state import EmergencyCall, TicketState
from tests.support.domain import START as NOW
from tests.support.domain import ticket


def suspected() -> TicketState:
    state = ticket("major")
    fresh = lifecycle.open_ticket(replace(state.details, possible_duplicate_of="TCK-ORIGINAL"),
                                  state.plan, NOW)
    fresh.pending_timeline.clear()
    return fresh


def test_a_suspected_duplicate_runs_its_own_clocks_until_confirmed() -> None:
    state = suspected()
    assert {name: clock.public_state() for name, clock in state.clocks.items()} == {
        "first_response": "running", "resolution": "running"}
    emergency_line.record_call(state, NOW + timedelta(minutes=1), EmergencyCall(
        call_id="CA1", taken_at=NOW + timedelta(minutes=1), source="intake",
        company_name="Acme", contact_name="Rita", contact_phone="+1", contact_email="r@x",
        description="down"))
    original = decide_duplicate(state, NOW + timedelta(minutes=5), True, "ana", "same outage")
    assert original == "TCK-ORIGINAL"
    assert state.details.duplicate_of == "TCK-ORIGINAL"
    assert state.details.possible_duplicate_of is None
    states = {name: clock.public_state() for name, clock in state.clocks.items()}
    # The SLA clocks end; a callback owed to someone who called is still owed.
    assert states == {"first_response": "ended", "resolution": "ended", "callback": "running"}
    confirmed = [entry for entry in state.pending_timeline if entry.kind == "duplicate_confirmed"]
    assert len(confirmed) == 1 and "same outage" in confirmed[0].detail
    assert refusal_decide_duplicate(state) == \
        "the ticket is already a confirmed duplicate of TCK-ORIGINAL"


def test_a_rejected_link_leaves_the_ticket_its_own() -> None:
    state = suspected()
    decide_duplicate(state, NOW + timedelta(minutes=5), False, "ana")
    assert state.details.duplicate_of is None and state.details.possible_duplicate_of is None
    assert {clock.public_state() for clock in state.clocks.values()} == {"running"}
    assert refusal_decide_duplicate(state) == "the ticket is not a suspected duplicate of another"


def test_only_a_suspected_open_ticket_can_be_decided() -> None:
    assert refusal_decide_duplicate(ticket()) == \
        "the ticket is not a suspected duplicate of another"
    with pytest.raises(lifecycle.TransitionRefused):
        decide_duplicate(ticket(), datetime(2026, 3, 6, tzinfo=UTC), True, "ana")

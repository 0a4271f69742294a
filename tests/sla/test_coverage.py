"""A request no slot covers waits with its clocks held; covered, they start from then.
A recommendations-only tier gets recommendations, never a fix."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sla.ticket import coverage, lifecycle, retarget
from sla.ticket.deadlines import advance
from sla.ticket.lifecycle import TransitionRefused
from sla.ticket.state import Coverage
from tests.support.domain import FAST, REQUESTED_AT, slot_request


def test_a_request_without_a_slot_waits_and_says_how_to_buy_one() -> None:
    state = slot_request()
    assert state.awaiting_coverage
    assert all(not clock.running for clock in state.clocks.values())
    message = state.pending_notifications[-1]
    assert (message.kind, message.recipient.name) == ("not_covered", "Rita")
    assert message.facts["how_to_buy"] == "Buy a slot at https://shop.example.com/slots."
    assert [entry.kind for entry in state.pending_timeline] == ["created", "not_covered"]
    # A day later nothing has been counted, warned or breached.
    advance(state, REQUESTED_AT + timedelta(days=1))
    assert not state.breached and not any(clock.warned for clock in state.clocks.values())
    with pytest.raises(TransitionRefused, match="not covered"):
        lifecycle.respond(state, REQUESTED_AT, "ana", "looking")
    with pytest.raises(TransitionRefused, match="not covered"):
        lifecycle.set_status(state, REQUESTED_AT, "waiting_on_customer", "ana")
    with pytest.raises(TransitionRefused, match="not covered"):
        lifecycle.propose_resolution(state, REQUESTED_AT, "ana", "fixed")


def test_covered_later_the_clocks_start_from_then() -> None:
    state = slot_request()
    # A severity change while waiting keeps the clocks held.
    retarget.change_severity(state, REQUESTED_AT + timedelta(hours=2), "critical", "agent:ana")
    assert all(not clock.running for clock in state.clocks.values())
    covered_at = REQUESTED_AT + timedelta(days=1)
    coverage.cover(state, covered_at, Coverage(covered=True, contract_id=7,
                                               label="slot pack #7 (slotted)", at=covered_at))
    assert not state.awaiting_coverage
    assert state.clocks["first_response"].due_at() == covered_at + timedelta(hours=1)
    assert state.pending_timeline[-1].kind == "covered"
    assert state.pending_timeline[-1].detail == "slot pack #7 (slotted)"
    assert state.pending_notifications[-1].kind == "ticket_received"
    lifecycle.respond(state, covered_at + timedelta(minutes=10), "ana", "on it")
    assert state.clocks["first_response"].public_state() == "met"
    assert "already covered" in (coverage.refusal_cover(state) or "")


def test_only_a_waiting_request_can_be_covered() -> None:
    assert "need no slot" in (coverage.refusal_cover(slot_request("fast", covered=None)) or "")
    assert "already covered" in (coverage.refusal_cover(slot_request(covered=True)) or "")


def test_a_recommendations_only_tier_gets_no_fix() -> None:
    state = slot_request("recommendations", covered=None)
    assert "recommendations only; a fix needs a paid tier" in (
        lifecycle.refusal_propose_resolution(state, "fix") or "")
    lifecycle.propose_resolution(state, REQUESTED_AT + timedelta(hours=1), "ana", "raise the limit")
    assert state.status == "resolution_proposed"
    assert state.pending_timeline[-1].detail == "recommendation: raise the limit"
    # On a paid tier the same proposal is a fix, and may say it is a recommendation.
    paid = slot_request("fast", covered=None)
    assert lifecycle.refusal_propose_resolution(paid, "fix") is None


def test_a_request_nobody_covers_closes_after_the_wait_if_the_policy_says_so() -> None:
    assert FAST.entitlements.close_uncovered_after is None
    state = slot_request()
    advance(state, REQUESTED_AT + timedelta(days=365))
    assert state.status == "open"
    state = slot_request()
    state.plan.close_uncovered_after_seconds = 4.0
    wait = timedelta(seconds=4)
    advance(state, REQUESTED_AT + wait - timedelta(seconds=1))
    assert state.closed_at is None
    advance(state, REQUESTED_AT + wait)
    assert state.closed_at == REQUESTED_AT + wait
    assert state.close_reason == "closed automatically: no support slot covered the request " \
        "within 4s"
    assert "feedback_request" not in [n.kind for n in state.pending_notifications]

"""Feedback on a closed ticket: a 1-5 rating, once per closure."""

from __future__ import annotations

from datetime import timedelta

from sla import feedback, lifecycle
from sla.ticket import TicketState
from tests.sla.test_lifecycle import START, ticket


def closed() -> TicketState:
    state = ticket("minor")
    lifecycle.propose_resolution(state, START + timedelta(hours=1), "ann", "fixed")
    lifecycle.confirm(state, START + timedelta(hours=2), "thanks")
    return state


def test_a_closed_ticket_takes_one_rating_per_closure() -> None:
    state = closed()
    at = START + timedelta(hours=3)
    feedback.record_feedback(state, at, 4, "quick")
    assert [(item.closure, item.rating, item.comment) for item in state.feedback] == \
        [(1, 4, "quick")]
    assert state.pending_timeline[-1].kind == "feedback"
    assert state.pending_timeline[-1].detail == "rated 4/5: quick"
    assert "already given" in (feedback.refusal_feedback(state, 5) or "")
    lifecycle.reopen(state, at + timedelta(hours=1), "customer", "broken again")
    assert "once the ticket is closed; it is open" in (feedback.refusal_feedback(state, 5) or "")
    lifecycle.propose_resolution(state, at + timedelta(hours=2), "ann", "fixed for good")
    lifecycle.confirm(state, at + timedelta(hours=3), "")
    assert feedback.refusal_feedback(state, 2) is None
    feedback.record_feedback(state, at + timedelta(hours=4), 2, "")
    assert [(item.closure, item.rating) for item in state.feedback] == [(1, 4), (2, 2)]


def test_a_rating_is_one_to_five() -> None:
    assert "1 to 5" in (feedback.refusal_feedback(closed(), 6) or "")
    assert "1 to 5" in (feedback.refusal_feedback(closed(), 0) or "")

"""Feedback on a closed ticket: a 1-5 rating, once per closure."""

from __future__ import annotations

from datetime import timedelta

from sla.policy.snapshot import Contact
from sla.ticket import feedback, feedback_link, lifecycle
from sla.ticket.state import TicketState
from tests.support.domain import START, ticket


def closed() -> TicketState:
    state = ticket("minor")
    # The workflow sets it from its seeded randomness when the ticket opens.
    state.feedback_secret = "ticket-secret"
    state.plan.customer = Contact(role="customer", name="Rita", email="rita@acme.example")
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


def sent_token(state: TicketState) -> str:
    """The token of the latest feedback request, as the customer receives it."""
    request = [n for n in state.pending_notifications if n.kind == "feedback_request"][-1]
    return request.facts["feedback_token"]


def test_each_closure_sends_its_own_link_token() -> None:
    state = closed()
    first = sent_token(state)
    assert first == feedback_link.feedback_token(state, 1)
    assert feedback_link.link_status(state, first) == "open"
    assert feedback_link.link_status(state, "0" * 32) == "invalid"
    at = START + timedelta(hours=3)
    lifecycle.reopen(state, at, "customer", "broken again")
    assert feedback_link.link_status(state, first) == "reopened"
    assert "reopened" in (feedback.refusal_feedback(state, 5, first) or "")
    lifecycle.propose_resolution(state, at + timedelta(hours=1), "ann", "fixed for good")
    lifecycle.confirm(state, at + timedelta(hours=2), "")
    second = sent_token(state)
    assert second == feedback_link.feedback_token(state, 2) and second != first
    assert feedback_link.link_status(state, first) == "earlier_closure"
    assert "earlier closing" in (feedback.refusal_feedback(state, 5, first) or "")
    assert feedback.refusal_feedback(state, 5, second) is None
    feedback.record_feedback(state, at + timedelta(hours=3), 5, "", second)
    assert feedback_link.link_status(state, second) == "given"
    assert "already given" in (feedback.refusal_feedback(state, 4, second) or "")


def test_a_token_is_worthless_for_another_ticket_or_secret() -> None:
    state, other = closed(), closed()
    other.details.ticket_id = "TCK-OTHER"
    token = feedback_link.feedback_token(state, 1)
    assert feedback_link.link_status(other, token) == "invalid"
    other.details.ticket_id = state.ticket_id
    other.feedback_secret = "another secret"
    assert feedback_link.link_status(other, token) == "invalid"
    assert "not valid" in (feedback.refusal_feedback(other, 5, token) or "")
    assert len(token) == 32


def closed_without_secret() -> TicketState:
    """A ticket as it opens since links are signed by the server: no secret of its own."""
    state = ticket("minor")
    state.plan.customer = Contact(role="customer", name="Rita", email="rita@acme.example")
    lifecycle.propose_resolution(state, START + timedelta(hours=1), "ann", "fixed")
    lifecycle.confirm(state, START + timedelta(hours=2), "thanks")
    return state


def test_a_ticket_without_a_secret_sends_its_closure_and_no_token() -> None:
    state = closed_without_secret()
    request = [n for n in state.pending_notifications if n.kind == "feedback_request"][-1]
    assert request.facts["feedback_closure"] == "1"
    assert "feedback_token" not in request.facts
    assert feedback_link.latest_link_digest(state) is None


def test_a_server_token_is_good_for_its_ticket_and_closure_under_a_listed_secret() -> None:
    token = feedback_link.server_token("new", "TCK-1", 3)
    assert len(token) == 33 and token.endswith("3")
    assert feedback_link.verified_closure(["new"], "TCK-1", token) == 3
    # Rotated: the old secret listed after the new one still opens its links.
    old = feedback_link.server_token("old", "TCK-1", 2)
    assert feedback_link.verified_closure(["new", "old"], "TCK-1", old) == 2
    assert feedback_link.verified_closure(["new"], "TCK-1", old) is None
    # Another ticket, another closure, no secret, or a made-up token: no link.
    assert feedback_link.verified_closure(["new"], "TCK-2", token) is None
    assert feedback_link.verified_closure(["new"], "TCK-1", token[:32] + "4") is None
    assert feedback_link.verified_closure([], "TCK-1", token) is None
    for made_up in ("0" * 32, "0" * 32 + "zz", "0" * 32 + "0", "f" * 65):
        assert feedback_link.verified_closure(["new"], "TCK-1", made_up) is None


def test_a_verified_closure_rates_the_ticket_once_and_only_the_latest() -> None:
    state = closed_without_secret()
    at = START + timedelta(hours=3)
    assert feedback_link.closure_status(state, 1) == "open"
    assert feedback_link.closure_status(state, 2) == "invalid"
    assert "not valid" in (feedback.refusal_feedback(state, 5, link_closure=0) or "")
    feedback.record_feedback(state, at, 5, "", link_closure=1)
    assert feedback_link.closure_status(state, 1) == "given"
    lifecycle.reopen(state, at, "customer", "again")
    lifecycle.propose_resolution(state, at + timedelta(hours=1), "ann", "fixed")
    lifecycle.confirm(state, at + timedelta(hours=2), "")
    assert feedback_link.closure_status(state, 1) == "earlier_closure"
    assert "earlier closing" in (feedback.refusal_feedback(state, 5, link_closure=1) or "")

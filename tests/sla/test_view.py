"""What a reader is shown: the view an update answers with, and the whole view the API
rebuilds from it and the text it sent, without a second round trip to the workflow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sla.policy.loading import load_policy
from sla.policy.snapshot import Contact
from sla.ticket import emergency_line, feedback, lifecycle
from sla.ticket.state import EmergencyCall, TicketDetails, TicketState
from sla.ticket.view import answer, view, with_sent_text

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TAM = Contact(role="tam", name="Tess", email="tess@example.com")


def opened(description: str = "every payment fails with card 4111…1111") -> TicketState:
    policy = load_policy(ROOT / "tests" / "support" / "policies" / "example.toml")
    details = TicketDetails(ticket_id="TCK-1", customer_id=1, subject="Checkout down",
                            description=description, severity="critical", type="problem",
                            channel="api", intake={"module": "Sales", "device": "PC"})
    return lifecycle.open_ticket(details, policy.snapshot("premium", TAM, START), START)


def call(call_id: str, description: str) -> EmergencyCall:
    return EmergencyCall(call_id=call_id, taken_at=START, source="intake", company_name="Acme",
                         contact_name="Rita", contact_phone="+3902",
                         contact_email="r@a.example", description=description)


def test_the_answer_leaves_out_the_bulky_text_and_the_sent_text_completes_it() -> None:
    state = opened("a long description " * 200)
    answered = answer(state, START)
    assert answered.description == "" and answered.intake == {}
    assert with_sent_text(answered, state.details) == view(state, START)


def test_a_ticket_opened_by_a_call_gets_the_call_notes_back() -> None:
    state = opened()
    first = call("CA-1", "every SMTP injection times out")
    emergency_line.record_call(state, START, first)
    answered = answer(state, START)
    assert answered.emergency is not None
    assert answered.emergency.calls[0].description == ""
    assert with_sent_text(answered, state.details, first) == view(state, START)


def test_text_the_caller_never_sent_means_the_whole_ticket_must_be_read() -> None:
    # An Idempotency-Key replay finds the ticket moved on: another call was recorded...
    state = opened()
    emergency_line.record_call(state, START, call("CA-1", "down"))
    emergency_line.record_call(state, START + timedelta(minutes=1), call("CA-2", "still down"))
    assert with_sent_text(answer(state, START), state.details, call("CA-1", "down")) is None
    assert with_sent_text(answer(state, START), state.details) is None
    # ...or the customer left a comment with their rating.
    rated = opened()
    lifecycle.respond(rated, START, "ana", "fixed", False, False)
    lifecycle.propose_resolution(rated, START, "ana", "fixed")
    lifecycle.confirm(rated, START + timedelta(minutes=1), "thanks")
    feedback.record_feedback(rated, START + timedelta(minutes=2), 5, "quick and kind")
    answered = answer(rated, START)
    # The answer leaves the comment out; only the whole view (the query) has it.
    assert [(item.rating, item.comment) for item in answered.feedback] == [(5, "")]
    assert [item.comment for item in view(rated, START).feedback] == ["quick and kind"]
    assert with_sent_text(answered, rated.details) is None

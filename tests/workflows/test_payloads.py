"""Payloads written before the pydantic converter (Temporal's default JSON) read back the
same with it, and the other way round: running tickets, their recorded histories and any
client still on the default converter all understand each other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.converter import DataConverter

from sla.policy.loading import load_policy
from sla.policy.snapshot import Contact
from sla.ticket import emergency_line, lifecycle
from sla.ticket.state import EmergencyCall, TicketDetails, TicketState
from sla.ticket.view import TicketProjection, answer, view
from workflow_client import DATA_CONVERTER
from workflows.messages import TicketWorkflowInput

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def breached_ticket() -> TicketState:
    """A ticket with something in every part: clocks, a call, messages, a timeline."""
    policy = load_policy(ROOT / "tests" / "support" / "policies" / "example.toml")
    details = TicketDetails(ticket_id="TCK-1", customer_id=7, subject="Checkout down",
                            description="every payment fails", severity="critical",
                            type="problem", channel="email", intake={"module": "Sales"})
    plan = policy.snapshot("premium", Contact(role="tam", name="Tess", email="t@x.example"),
                           START)
    state = lifecycle.open_ticket(details, plan, START)
    emergency_line.record_call(state, START, EmergencyCall(
        call_id="CA-1", taken_at=START, source="intake", company_name="Acme",
        contact_name="Rita", contact_phone="+3902", contact_email="r@a.example",
        description="down"))
    lifecycle.advance(state, START + timedelta(hours=1))
    return state


def values() -> list[tuple[str, Any, type]]:
    state = breached_ticket()
    now = START + timedelta(hours=1)
    return [
        ("state", state, TicketState),
        ("input", TicketWorkflowInput(details=state.details, plan=state.plan,
                                      carried_state=state), TicketWorkflowInput),
        ("view", view(state, now), type(view(state, now))),
        ("answer", answer(state, now), type(answer(state, now))),
        ("projection", TicketProjection(view=view(state, now), timeline=state.pending_timeline),
         TicketProjection),
        ("notification", state.pending_notifications[0], type(state.pending_notifications[0])),
    ]


@pytest.mark.parametrize(("name", "value", "kind"), values(),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_payloads_read_the_same_either_way(name: str, value: Any, kind: type) -> None:
    default = DataConverter.default.payload_converter
    ours = DATA_CONVERTER.payload_converter
    assert ours.from_payloads(default.to_payloads([value]), [kind]) == [value]
    assert default.from_payloads(ours.to_payloads([value]), [kind]) == [value]

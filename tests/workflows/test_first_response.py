from __future__ import annotations

from datetime import timedelta

from tests.workflows.harness import Harness
from workflows.messages import AgentResponse
from workflows.ticket import TicketWorkflow


async def test_first_response_in_time_is_met_and_nothing_is_sent(harness: Harness) -> None:
    handle = await harness.start("critical")
    await harness.sleep(timedelta(minutes=10))
    view = await handle.execute_update(
        TicketWorkflow.respond, AgentResponse(author="ana", body="Looking at the logs now")
    )
    first = next(c for c in view.clocks if c.name == "first_response")
    assert first.state == "met"
    await harness.sleep(timedelta(minutes=40))
    assert harness.outbox(handle.id) == []
    assert "agent_response" in harness.kinds(handle.id)


async def test_first_response_breach_warns_then_escalates_to_the_tam(harness: Harness) -> None:
    handle = await harness.start("major")
    await harness.sleep(timedelta(minutes=23))
    assert await harness.outbox_kinds(handle.id, 1) == [("sla_warning", "support_lead")]
    await harness.sleep(timedelta(minutes=8))
    sent = await harness.outbox_kinds(handle.id, 3)
    assert sent == [
        ("sla_warning", "support_lead"), ("sla_breach", "support_lead"), ("escalation", "tam"),
    ]
    view = await harness.sla(handle)
    first = next(c for c in view.clocks if c.name == "first_response")
    assert first.state == "breached"
    assert view.escalation_level == 1
    assert view.escalated_to is not None and view.escalated_to.role == "tam"
    ticket = harness.ticket(handle.id)
    assert ticket is not None and ticket.breached and ticket.escalation_level == 1

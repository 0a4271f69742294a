"""A request that waits for a support slot, on the time-skipping server: days pass
without a warning or a breach; covered, its clocks run from then and breach on time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from sla.ticket.state import Coverage
from tests.support.domain import FAST, RITA
from tests.support.harness import Harness, eventually, send
from workflows.messages import AgentResponse, CoverageGiven
from workflows.ticket import TicketWorkflow


async def test_a_waiting_request_counts_nothing_until_covered(harness: Harness) -> None:
    handle = await harness.start("major", plan="slotted", policy=FAST, customer=RITA,
                                 coverage=Coverage(covered=False, label="no slot left"))
    await harness.sleep(timedelta(days=2))
    view = await harness.settled(handle)
    assert {clock.state for clock in view.clocks} == {"paused"} and not view.breached
    assert harness.kinds(handle.id) == ["created", "not_covered"]
    with pytest.raises(WorkflowUpdateFailedError):
        await send(handle, AgentResponse("ana", "looking"))
    covered_at = await harness.env.get_current_time()
    await handle.execute_update(TicketWorkflow.cover, CoverageGiven(Coverage(
        covered=True, contract_id=3, label="slot pack #3 (slotted)", at=covered_at)))
    await harness.sleep(timedelta(minutes=59))
    await harness.settled(handle)
    assert "sla_breach" not in harness.kinds(handle.id)
    await harness.sleep(timedelta(minutes=2))
    breaches = await eventually(lambda: [
        event for event in harness.timeline(handle.id) if event.kind == "sla_breach"])
    breach = breaches[0]
    # An hour after it was covered, not an hour after it came in.
    assert abs(breach.at - (covered_at + timedelta(hours=1))) < timedelta(seconds=2)
    assert harness.ticket(handle.id).coverage == "covered"  # type: ignore[union-attr]
    sent = await harness.outbox_kinds(handle.id, 5)
    assert sent[:2] == [("not_covered", "customer"), ("ticket_received", "customer")]
    # Warnings and the breach came only after the cover.
    assert {kind for kind, _ in sent[2:]} == {"sla_warning", "sla_breach", "escalation"}

"""A request takes its support slot as a step of its own ticket, on the time-skipping
server with a real worker: the slot is held by the ticket (nothing is taken for a request
that never became one), and a request that lost the last slot to another waits for
coverage and is told so, never sent a receipt first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from sla.policy.entitlements import NO_SLOT_LEFT
from sla.ticket.state import Coverage
from tests.support.domain import FAST
from tests.support.harness import Harness, eventually
from tests.support.scenarios import SLOT_CUSTOMER, one_slot, slot_holders
from workflows.messages import CoverageGiven
from workflows.ticket import TicketWorkflow


async def test_a_request_takes_its_slot_as_its_first_step(harness: Harness) -> None:
    claim, coverage = await one_slot(harness)
    assert slot_holders(harness) == []
    handle = await harness.start("major", plan="slotted", policy=FAST, customer=SLOT_CUSTOMER,
                                 coverage=coverage, slot_claim=claim)
    assert slot_holders(harness) == [handle.id]
    ticket = await harness.ticket_when(handle.id, lambda row: row.coverage is not None)
    assert ticket.coverage == "covered"
    assert await harness.outbox_kinds(handle.id, 1) == [("ticket_received", "customer")]
    view = await harness.sla(handle)
    assert {clock.state for clock in view.clocks} == {"running"}


async def test_a_request_that_lost_the_last_slot_waits_and_is_told_so(
    harness: Harness,
) -> None:
    claim, coverage = await one_slot(harness)
    first = await harness.start("major", plan="slotted", policy=FAST, customer=SLOT_CUSTOMER,
                                coverage=coverage, slot_claim=claim)
    # The second request was decided on the same free slot, a moment too late.
    second = await harness.start("major", plan="slotted", policy=FAST, customer=SLOT_CUSTOMER,
                                 coverage=coverage, slot_claim=claim)
    assert slot_holders(harness) == [first.id]
    ticket = await harness.ticket_when(second.id, lambda row: row.coverage is not None)
    assert ticket.coverage == "not_covered"
    view = await harness.sla(second)
    assert view.coverage is not None and view.coverage.label == NO_SLOT_LEFT
    assert {clock.state for clock in view.clocks} == {"paused"}
    assert harness.kinds(second.id) == ["created", "not_covered"]
    assert await harness.outbox_kinds(second.id, 1) == [("not_covered", "customer")]
    # Days pass: nothing warns or breaches for a request nobody may work on yet.
    await harness.sleep(timedelta(days=2))
    assert not (await harness.sla(second)).breached
    assert [row.kind for row in harness.outbox(second.id)] == ["not_covered"]


async def test_a_cover_with_a_slot_already_gone_is_refused_with_the_reason(
    harness: Harness,
) -> None:
    claim, coverage = await one_slot(harness)
    holder = await harness.start("major", plan="slotted", policy=FAST, customer=SLOT_CUSTOMER,
                                 coverage=coverage, slot_claim=claim)
    waiting = await harness.start("major", plan="slotted", policy=FAST, customer=SLOT_CUSTOMER,
                                  coverage=Coverage(covered=False, label=NO_SLOT_LEFT))
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await waiting.execute_update(TicketWorkflow.cover,
                                     CoverageGiven(coverage, slot_claim=claim))
    assert "no slot is left" in str(refused.value.cause)
    assert slot_holders(harness) == [holder.id]
    assert (await harness.sla(waiting)).coverage == Coverage(covered=False, label=NO_SLOT_LEFT)
    await eventually(lambda: harness.kinds(waiting.id) == ["created", "not_covered"])

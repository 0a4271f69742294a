"""Covering the requests that waited for a slot, after a contract is added, is a workflow
(``CoveringWorkflow``) on the time-skipping server with a real worker: oldest first, one
slot each, stopping at the first request none is left for; run again, it covers only
whoever still waits; a retried step never covers a request twice."""

from __future__ import annotations

import dataclasses
import uuid

from temporalio.testing import ActivityEnvironment

from activities.covering import CoveringActivities
from sla.policy.entitlements import NO_SLOT_LEFT
from sla.ticket.state import Coverage
from tests.support.domain import FAST
from tests.support.harness import Harness, eventually
from tests.support.scenarios import SLOT_CUSTOMER, slot_holders, slot_pack
from workflows.covering import CoveringWorkflow
from workflows.messages import CoveringInput, CoveringProgress, CoverRequest, WaitingRequest

NEEDS = {plan: FAST.needs_slot(plan, "question") for plan in FAST.plans}


async def waiting_requests(harness: Harness, count: int) -> list[str]:
    """Requests of the slotted tier that came in while no slot was free, oldest first."""
    ids = []
    for _ in range(count):
        handle = await harness.start("major", plan="slotted", policy=FAST, customer=SLOT_CUSTOMER,
                                     coverage=Coverage(covered=False, label=NO_SLOT_LEFT))
        ids.append(handle.id)
    for ticket_id in ids:
        await harness.ticket_when(ticket_id, lambda row: row.coverage == "not_covered")
    return ids


async def cover(harness: Harness, ids: list[str]) -> CoveringProgress:
    return await harness.env.client.execute_workflow(
        CoveringWorkflow.run,
        CoveringInput(customer_id=harness.customer_id, customer_plan="slotted",
                      needs={"question": NEEDS},
                      requests=[WaitingRequest(ticket_id, "question") for ticket_id in ids]),
        id=f"covering-{uuid.uuid4()}", task_queue=harness.task_queue)


async def test_waiting_requests_take_the_new_slots_oldest_first_while_they_last(
    harness: Harness,
) -> None:
    ids = await waiting_requests(harness, 3)
    await slot_pack(harness, 2)
    progress = await cover(harness, ids)
    assert progress.covered == ids[:2]
    assert progress.stopped == NO_SLOT_LEFT and progress.failed == {}
    assert sorted(slot_holders(harness)) == sorted(ids[:2])
    for ticket_id in ids[:2]:
        row = await harness.ticket_when(ticket_id, lambda row: row.coverage == "covered")
        assert row.first_response_due is not None  # its clocks started
    assert (await harness.sla(harness.env.client.get_workflow_handle(ids[2]))
            ).coverage == Coverage(covered=False, label=NO_SLOT_LEFT)

    # Run again (another contract's covering, or the same after a crash): the covered are
    # left alone, and the last still waits.
    again = await cover(harness, ids)
    assert again.covered == [] and again.unchanged == ids[:2]
    assert again.stopped == NO_SLOT_LEFT
    assert sorted(slot_holders(harness)) == sorted(ids[:2])


async def test_a_retried_step_re_attaches_to_the_cover_it_sent(harness: Harness) -> None:
    """The step's first attempt covered the request and its answer was lost (a worker
    killed): the retry sends the same update id and covers nothing twice."""
    [ticket_id] = await waiting_requests(harness, 1)
    await slot_pack(harness, 5)
    step = CoveringActivities(harness.env.client, harness.sessions)
    request = CoverRequest(ticket_id=ticket_id, customer_id=harness.customer_id,
                           customer_plan="slotted", needs=NEEDS,
                           update_id=f"covering-test:{ticket_id}",
                           at=await harness.env.get_current_time())
    first = await ActivityEnvironment().run(step.cover_request, request)
    assert first.result == "covered"
    retry = ActivityEnvironment()
    retry.info = dataclasses.replace(retry.info, attempt=2)
    second = await retry.run(step.cover_request, request)
    assert second.result == "covered"
    assert slot_holders(harness) == [ticket_id]
    await eventually(lambda: harness.kinds(ticket_id).count("covered") == 1)
    assert harness.kinds(ticket_id).count("covered") == 1

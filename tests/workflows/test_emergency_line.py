"""The emergency line on the real workflow: the 15-minute callback and the paging after it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError

from sla.ticket.view import TicketView
from tests.support.harness import Harness, send
from tests.support.scenarios import BIRD, call
from workflows.messages import (
    AgentResponse,
    CallbackReport,
    PageAcknowledgement,
    UpdateIntervalChange,
)
from workflows.ticket import TicketWorkflow

Handle = WorkflowHandle[TicketWorkflow, TicketView]


async def emergency_ticket(harness: Harness) -> tuple[Handle, datetime]:
    handle = await harness.start("critical", plan="enterprise", policy=BIRD)
    taken = await harness.env.get_current_time()
    await handle.execute_update(TicketWorkflow.record_call, call(taken))
    return handle, taken


async def test_a_callback_in_time_meets_the_clock_and_starts_updates(harness: Harness) -> None:
    handle, taken = await emergency_ticket(harness)
    callback = await harness.clock(handle, "callback")
    assert callback.state == "running"
    assert abs(callback.due_at - (taken + timedelta(minutes=15))) < timedelta(seconds=2)  # type: ignore[operator]
    await harness.sleep(timedelta(minutes=10))
    view = await send(handle, CallbackReport("ana", "reached", "MTA pool restarting"))
    clocks = {clock.name: clock for clock in view.clocks}
    assert clocks["callback"].state == "met"
    assert clocks["first_response"].state == "met"
    assert clocks["next_update"].state == "running"  # hourly updates from now on
    assert view.emergency is not None and view.emergency.callback_outcome == "reached"
    await harness.sleep(timedelta(minutes=20))
    await harness.settled(handle)
    assert [m.kind for m in harness.outbox(handle.id)] == []


async def test_a_missed_callback_pages_up_the_chain_until_acknowledged(harness: Harness) -> None:
    handle, _taken = await emergency_ticket(harness)
    await harness.sleep(timedelta(minutes=15, seconds=30))
    pages = await harness.outbox_kinds(handle.id, 3)
    # Level 1 at once: the customer's TAM and the on-call contact, on their phones.
    assert [p for p in pages if p[0] == "page"] == [("page", "tam"), ("page", "duty_engineer")]
    assert {m.channel for m in harness.outbox(handle.id) if m.kind == "page"} == {"sms"}
    await harness.sleep(timedelta(minutes=10))
    sent = await harness.outbox_kinds(handle.id, 4)
    assert sent[-1] == ("page", "duty_engineer")  # level 2: the next level above the TAM
    await harness.sleep(timedelta(minutes=10))
    assert (await harness.outbox_kinds(handle.id, 5))[-1] == ("page", "duty_engineer")
    view = await send(handle, PageAcknowledgement(2, "dan"))
    assert view.emergency is not None
    assert (view.emergency.acknowledged_by, view.emergency.page_level) == ("dan", 3)
    await harness.sleep(timedelta(minutes=30))
    await harness.settled(handle)
    assert len([m for m in harness.outbox(handle.id) if m.kind == "page"]) == 4  # no more pages
    assert "page_acknowledged" in harness.kinds(handle.id)


async def test_an_acknowledgement_must_name_a_paged_level(harness: Harness) -> None:
    handle, _taken = await emergency_ticket(harness)
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await send(handle, PageAcknowledgement(1, "dan"))
    assert "nobody has been paged" in str(caught.value.cause)


async def test_the_same_call_twice_and_a_second_call_start_one_clock(harness: Harness) -> None:
    handle = await harness.start("critical", plan="enterprise", policy=BIRD)
    taken = await harness.env.get_current_time()
    first = call(taken, "CA-1")
    await handle.execute_update(TicketWorkflow.record_call, first)
    await handle.execute_update(TicketWorkflow.record_call, first)  # a retried post
    await harness.sleep(timedelta(minutes=5))
    view = await handle.execute_update(
        TicketWorkflow.record_call, call(await harness.env.get_current_time(), "CA-2"))
    assert view.emergency is not None and len(view.emergency.calls) == 2
    callback = next(c for c in view.clocks if c.name == "callback")
    # Still due 15 minutes after the first call, not the second.
    assert abs(callback.due_at - (taken + timedelta(minutes=15))) < timedelta(seconds=2)  # type: ignore[operator]
    kinds = harness.kinds(handle.id)
    assert kinds.count("emergency_call") == 2 and "callback_already_pending" in kinds


async def test_the_agreed_update_interval_is_kept_then_missed(harness: Harness) -> None:
    handle, _taken = await emergency_ticket(harness)
    await send(handle, CallbackReport("ana", "reached"))
    view = await send(handle, UpdateIntervalChange(30 * 60, "ana"))
    update = next(c for c in view.clocks if c.name == "next_update")
    assert update.target_seconds == 30 * 60
    await harness.sleep(timedelta(minutes=25))
    await send(handle, AgentResponse("ana", "still on it"))
    await harness.sleep(timedelta(minutes=25))
    await harness.settled(handle)
    # A warning at 75% of each 30-minute interval, no breach while updates keep coming.
    assert [m.kind for m in harness.outbox(handle.id)] == ["sla_warning", "sla_warning"]
    await harness.sleep(timedelta(minutes=6))
    sent = await harness.outbox_kinds(handle.id, 4)
    # Missed: breached and escalated (to the TAM in office hours, else the duty engineer).
    assert [kind for kind, _role in sent[2:]] == ["sla_breach", "escalation"]
    assert (await harness.clock(handle, "next_update")).state == "breached"


async def test_a_workaround_stops_the_update_clock_but_not_the_ticket(harness: Harness) -> None:
    handle, _taken = await emergency_ticket(harness)
    view = await send(handle, CallbackReport("ana", "workaround", "switched relay"))
    assert view.workaround_at is not None
    assert view.status == "open"
    assert "next_update" not in {c.name for c in view.clocks if c.state == "running"}
    await harness.sleep(timedelta(hours=3))
    await harness.settled(handle)
    assert harness.outbox(handle.id) == []

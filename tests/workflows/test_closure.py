"""Closing, auto-closing and reopening tickets; illegal changes refused with a reason."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from sla.policy.snapshot import Contact
from tests.support.harness import Harness, refusal_of, send
from tests.support.history_text import history_text
from workflows.messages import (
    AgentResponse,
    Confirmation,
    CustomerReply,
    FeedbackGiven,
    Reopen,
    ResolutionProposal,
    StatusChange,
)


async def test_customer_confirmation_closes_the_ticket(harness: Harness) -> None:
    handle = await harness.start("minor")
    await send(handle, ResolutionProposal("ana", "DKIM key rotated"))
    view = await send(handle, Confirmation("works, thanks"))
    assert view.status == "closed"
    assert view.close_reason == "resolution confirmed by the customer"
    ticket = harness.ticket(handle.id)
    assert ticket is not None and ticket.status == "closed"


async def test_proposed_resolution_closes_automatically_after_the_wait(harness: Harness) -> None:
    handle = await harness.start("minor")
    await send(handle, ResolutionProposal("ana", "Fixed"))
    await harness.sleep(timedelta(hours=47))
    assert (await harness.settled(handle)).status == "resolution_proposed"
    await harness.sleep(timedelta(hours=2))
    view = await harness.ticket_when(handle.id, lambda t: t.status == "closed")
    assert view.close_reason == (
        "closed automatically: the customer did not confirm the resolution within 2d"
    )


async def test_waiting_on_customer_too_long_closes_the_ticket(harness: Harness) -> None:
    handle = await harness.start("minor")
    await send(handle, AgentResponse("ana", "Which domain?"))
    await send(handle, StatusChange("waiting_on_customer", "ana"))
    await harness.sleep(timedelta(hours=49))
    ticket = await harness.ticket_when(handle.id, lambda t: t.status == "closed")
    assert ticket.close_reason == "closed automatically: no customer reply within 2d"
    # Waiting paused the 48h resolution clock, so the wait itself breached nothing.
    await harness.settled(handle)
    assert harness.outbox(handle.id) == []


async def test_reopen_resumes_the_resolution_clock_from_where_it_stood(harness: Harness) -> None:
    handle = await harness.start("critical")  # resolution 2h
    await send(handle, AgentResponse("ana", "On it"))
    await harness.sleep(timedelta(minutes=30))
    await send(handle, ResolutionProposal("ana", "Fix"))
    await send(handle, Confirmation())
    await harness.sleep(timedelta(days=3))
    view = await send(handle, Reopen("customer", "broken again"))
    assert view.status == "open"
    resolution = next(c for c in view.clocks if c.name == "resolution")
    assert resolution.state == "running"
    assert resolution.remaining_seconds == pytest.approx(90 * 60, abs=5)
    await harness.sleep(timedelta(minutes=91))
    sent = await harness.outbox_kinds(handle.id, 3)
    assert ("escalation", "tam") in sent


async def test_customer_reply_to_a_proposed_resolution_reopens_work(harness: Harness) -> None:
    handle = await harness.start("minor")
    await send(handle, ResolutionProposal("ana", "Fix"))
    view = await send(handle, CustomerReply("Still bouncing"))
    assert view.status == "open"
    assert next(c for c in view.clocks if c.name == "resolution").state == "running"


async def test_illegal_updates_are_refused_with_a_reason(harness: Harness) -> None:
    handle = await harness.start("minor")
    assert "only a proposed resolution can be confirmed" in await refusal_of(
        send(handle, Confirmation()))
    assert "already open" in await refusal_of(
        send(handle, StatusChange("open", "ana")))
    assert "can be reopened" in await refusal_of(
        send(handle, Reopen("customer")))
    await send(handle, ResolutionProposal("ana", "Fix"))
    await send(handle, Confirmation())
    assert "closed" in await refusal_of(
        send(handle, AgentResponse("ana", "one more thing")))
    assert "closed" in await refusal_of(
        send(handle, CustomerReply("hello?")))
    # Refused updates leave no trace in the history-driven timeline.
    assert harness.kinds(handle.id) == [
        "created", "status_resolution_proposed", "resolution_confirmed", "status_closed",
    ]


async def test_ticket_workflow_completes_when_the_reopen_window_ends(harness: Harness) -> None:
    handle = await harness.start("minor")
    await send(handle, ResolutionProposal("ana", "Fix"))
    await send(handle, Confirmation())
    await harness.sleep(timedelta(days=15))
    final = await handle.result()
    assert final.status == "closed"
    ticket = harness.ticket(handle.id)
    assert ticket is not None and ticket.status == "closed"


async def test_long_tickets_continue_as_new_with_their_state(harness: Harness) -> None:
    handle = await harness.start("critical", max_history_events=40)
    first_run = (await handle.describe()).run_id
    for number in range(12):
        await send(handle, AgentResponse("ana", f"update {number}"))
    description = await handle.describe()
    assert description.run_id != first_run
    view = await harness.sla(handle)
    assert view.first_responded_at is not None
    assert harness.kinds(handle.id).count("agent_update") == 11
    await harness.sleep(timedelta(minutes=61))
    sent = await harness.outbox_kinds(handle.id, 3)
    assert ("escalation", "tam") in sent


async def test_feedback_once_per_closure_and_asked_again_after_a_reopen(
    harness: Harness,
) -> None:
    customer = Contact(role="customer", name="Acme", email="it@acme.example")
    handle = await harness.start("minor", customer=customer)
    for closure in (1, 2):
        if closure == 2:
            await send(handle, Reopen("customer", "again"))
        await send(handle, ResolutionProposal("ana", "Fixed"))
        await send(handle, Confirmation("ok"))
        view = await send(handle, FeedbackGiven(6 - closure, f"closure {closure}"))
        assert [(item.closure, item.rating) for item in view.feedback][-1] == \
            (closure, 6 - closure)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await send(handle, FeedbackGiven(1))
        assert "already given" in str(refused.value.cause)
    await harness.settled(handle)
    requests = [row for row in harness.outbox(handle.id) if row.kind == "feedback_request"]
    assert len(requests) == 2  # asked at each closure
    assert [event.detail for event in harness.timeline(handle.id)
            if event.kind == "feedback"] == ["rated 5/5: closure 1", "rated 4/5: closure 2"]


async def test_a_ticket_carries_no_feedback_secret_and_sends_its_closure_not_a_token(
    harness: Harness,
) -> None:
    customer = Contact(role="customer", name="Acme", email="it@acme.example")
    handle = await harness.start("minor", customer=customer, max_history_events=40)
    first_run = (await handle.describe()).run_id
    for number in range(12):
        await send(handle, AgentResponse("ana", f"update {number}"))
    await send(handle, ResolutionProposal("ana", "Fixed"))
    await send(handle, Confirmation("ok"))
    await harness.settled(handle)
    assert (await handle.describe()).run_id != first_run
    client = harness.env.client
    carried = history_text(await client.get_workflow_handle(
        handle.id, run_id=first_run).fetch_history())
    assert '"carried_state"' in carried.replace(" ", "")  # the continue-as-new input is read
    assert re.findall(r'"feedback_secret":\s*"([^"]*)"', carried) == [""]
    closing = history_text(await client.get_workflow_handle(handle.id).fetch_history())
    assert '"feedback_closure":"1"' in closing.replace(" ", "")
    assert "feedback_token" not in closing
    assert re.findall(r'"feedback_secret":\s*"([^"]*)"', closing) in ([], [""])

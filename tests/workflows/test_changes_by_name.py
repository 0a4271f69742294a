"""The ticket's changes travel under their own update names and are found by them: one
the worker does not know, a payload that is not the change, or one too large, is refused with a reason
and never enters the history, and the ticket goes on serving its clocks."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from temporalio.api.history.v1 import HistoryEvent

from tests.support.harness import Harness, refusal_of, send
from tests.support.scenarios import call
from workflows.messages import AgentResponse, CustomerReply
from workflows.ticket import TicketWorkflow


def update_names_in_history(events: list[HistoryEvent]) -> list[str]:
    return [event.workflow_execution_update_accepted_event_attributes
            .accepted_request.input.name for event in events
            if event.HasField("workflow_execution_update_accepted_event_attributes")]


async def test_a_change_the_worker_does_not_know_is_refused_and_the_clocks_go_on(
        harness: Harness) -> None:
    handle = await harness.start("major")
    # An API newer than its workers sends a change they have never heard of.
    reason = await refusal_of(handle.execute_update("reject_resolution", {"reason": "no"},
                                                 result_type=object))
    assert reason == "this ticket takes no change called 'reject_resolution'"
    reason = await refusal_of(handle.execute_update("respond", {"author": "ana"},
                                                 result_type=object))
    assert reason.startswith("not a respond change:")
    # A client that skips the doors' limits sends a reply of 1 MiB: copied into messages,
    # it would cross Temporal's payload limit and end the run.
    reason = await refusal_of(handle.execute_update(
        "customer_reply", CustomerReply("x" * 2**20), result_type=object))
    assert reason == "a change is at most 512 KiB; this customer_reply is 1024 KiB"
    huge_call = replace(call(await harness.env.get_current_time()), description="x" * 2**20)
    reason = await refusal_of(handle.execute_update(TicketWorkflow.record_call, huge_call))
    assert reason == "a change is at most 512 KiB; this record_call is 1024 KiB"
    # Neither entered the history; the first-response clock still warns at 75 %.
    await harness.sleep(timedelta(minutes=23))
    assert await harness.outbox_kinds(handle.id, 1) == [("sla_warning", "support_lead")]
    view = await send(handle, AgentResponse("ana", "Looking"))
    assert next(c for c in view.clocks if c.name == "first_response").state == "met"
    events = [event async for event in handle.fetch_history_events()]
    assert update_names_in_history(events) == ["respond"]


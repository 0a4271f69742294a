"""A ticket paged for a week and replied to a thousand times, on the real workflow: it
continues as new, every run's carried state stays far under Temporal's payload limit, and
its pages still go out every ten minutes to the end."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from temporalio.api.enums.v1 import EventType

from tests.support.harness import Harness, send
from tests.support.plain_history import plain
from tests.support.scenarios import BIRD, call
from workflows.messages import CustomerReply
from workflows.ticket import TicketWorkflow

#: Temporal refuses a payload over 2 MB; the carried state stays a small part of that.
CARRIED_AT_MOST = 200_000
#: The events that answer a scheduled activity.
ANSWERS = {f"activity_task_{outcome}_event_attributes"
           for outcome in ("completed", "failed", "timed_out", "canceled")}


async def test_a_week_of_paging_and_a_thousand_replies_stay_small_and_on_time(
    harness: Harness,
) -> None:
    handle = await harness.start("critical", plan="enterprise", policy=BIRD)
    taken = await harness.env.get_current_time()
    await handle.execute_update(TicketWorkflow.record_call, call(taken))
    first_run = (await handle.describe()).run_id
    replies = 0
    for _day in range(7):
        await harness.sleep(timedelta(days=1))
        # Mails, each with its Message-ID (the state keeps only the latest digests), a day's
        # worth arriving together, as a mail service delivers a backlog.
        day = range(replies + 1, replies + 144)
        await asyncio.gather(*(send(handle, CustomerReply(
            f"still down, attempt {number}: " + "log " * 200,
            message_id=f"<{number}.{'x' * 900}@acme.example>")) for number in day))
        replies += len(day)
    view = await harness.settled(handle, timeout=60)
    now = await harness.env.get_current_time()

    assert replies >= 1000
    assert (await handle.describe()).run_id != first_run  # it continued as new
    emergency = view.emergency
    assert emergency is not None and emergency.acknowledged_level is None
    # A page every ten minutes for the week, and the latest within the last ten minutes.
    assert emergency.pages_sent > 1000 and len(emergency.pages) <= 20
    assert now - emergency.pages[-1].at <= timedelta(minutes=10)
    pages = [row for row in harness.outbox(handle.id) if row.kind == "page"]
    assert len(pages) == emergency.pages_sent
    assert all(row.status == "sent" for row in pages)

    # Every run that continued as new carried a small state.
    carried: list[int] = []
    unsent: list[list[object]] = []
    run_id: str | None = first_run
    while run_id:
        history = plain(await harness.env.client.get_workflow_handle(
            handle.id, run_id=run_id).fetch_history())
        run_id = None
        # A run that continued as new left no activity unanswered: what it had still to
        # send went along with its state (and was sent by the next run).
        scheduled = {event.event_id for event in history.events
                     if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED}
        answered = {getattr(event, kind).scheduled_event_id for event in history.events
                    if (kind := event.WhichOneof("attributes")) in ANSWERS}
        for event in history.events:
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
                attributes = event.workflow_execution_continued_as_new_event_attributes
                carried.append(sum(len(p.data) for p in attributes.input.payloads))
                unsent.append(json.loads(attributes.input.payloads[0].data)[
                    "carried_state"]["pending_notifications"])
                run_id = attributes.new_execution_run_id
                assert scheduled <= answered, "a run that continued as new left an activity unanswered"
    assert len(carried) >= 2 and max(carried) < CARRIED_AT_MOST, carried
    # A run that continued as new on a page's step (the history grows with the pages while
    # nothing else happens) carried that page unsent, for the next run to send.
    assert any(unsent), "no run continued as new with a message still to send"

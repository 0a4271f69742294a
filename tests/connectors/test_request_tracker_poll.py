"""The RT poll as a durable workflow, on the dev server against the real RT: a ticket
created in RT and an agent's reply come in as events within a few poll intervals, each
event once, across continue-as-new and across a poll whose events failed to apply."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Replayer, Worker

from activities.request_tracker import RequestTrackerActivities, RtConnector
from channels.request_tracker import RequestTrackerClient, RtSettings
from config import Settings
from stack.temporal import DevServer
from tests.support.plain_history import plain, suite_converter
from tests.support.request_tracker import RequestTracker
from tickets.connectors.events import HelpDeskEvent, HelpDeskEventKind
from tickets.connectors.request_tracker import batch_handler, ensure_poll, poll_workflow_id
from workflow_client import connect
from workflows.request_tracker import RequestTrackerPollWorkflow
from workflows.request_tracker_messages import RtPollInput
from workflows.sandbox import workflow_runner

Apply = Callable[[list[HelpDeskEvent]], Awaitable[None]]


@asynccontextmanager
async def polling(dev_server: DevServer, rt: RequestTracker, apply: Apply, interval: float,
                  max_history_events: int = 2_000,
                  ) -> AsyncIterator[tuple[Client, WorkflowHandle[RequestTrackerPollWorkflow, None]]]:
    """A worker serving the poll of one RT connector, and the poll started after RT's
    latest transaction."""
    client = await connect(Settings(temporal_address=dev_server.address))
    queue = f"rt-{uuid.uuid4()}"
    settings = RtSettings(url=rt.url, token=rt.connector_token)
    async with httpx.AsyncClient() as http:
        rt_client = RequestTrackerClient(settings, http)
        activities = RequestTrackerActivities(
            {"rt": RtConnector(rt_client, batch_handler(settings, apply))})
        async with Worker(client, task_queue=queue, workflows=[RequestTrackerPollWorkflow],
                          activities=activities.activities(),
                          workflow_runner=workflow_runner(True)):
            poll = RtPollInput(connector="rt", cursor=await rt_client.latest_transaction(),
                               interval_seconds=interval,
                               max_history_events=max_history_events)
            handle = await client.start_workflow(
                RequestTrackerPollWorkflow.run, poll, id=f"rt-poll-{uuid.uuid4()}",
                task_queue=queue)
            try:
                yield client, handle
            finally:
                await handle.terminate()


async def until(check: Callable[[], bool], seconds: float = 30) -> None:
    for _ in range(int(seconds / 0.1)):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("not within the time")


def of_ticket(events: list[HelpDeskEvent], ticket: int) -> list[HelpDeskEvent]:
    return [event for event in events if event.external_ticket_id == str(ticket)]


async def test_a_ticket_and_an_agents_reply_come_in_through_the_poll(
        dev_server: DevServer, rt: RequestTracker) -> None:
    applied: list[HelpDeskEvent] = []

    async def apply(events: list[HelpDeskEvent]) -> None:
        applied.extend(events)

    async with polling(dev_server, rt, apply, interval=0.5) as (_, handle):
        ticket = rt.create_ticket("Printer on fire", "carol@customer.test", "It is burning")
        await until(lambda: any(event.kind is HelpDeskEventKind.CREATED
                                for event in of_ticket(applied, ticket)))
        rt.agent_reply(ticket, "We are on it")
        await until(lambda: any(event.kind is HelpDeskEventKind.PUBLIC_AGENT_COMMENT
                                for event in of_ticket(applied, ticket)))
        progress = await handle.query(RequestTrackerPollWorkflow.progress)
    mine = of_ticket(applied, ticket)
    created = next(event for event in mine if event.kind is HelpDeskEventKind.CREATED)
    reply = next(event for event in mine if event.kind is HelpDeskEventKind.PUBLIC_AGENT_COMMENT)
    assert (created.subject, created.requester_email) == ("Printer on fire", "carol@customer.test")
    assert (reply.body, reply.author_email) == ("We are on it", "alice@example.test")
    assert created.sequence < reply.sequence
    assert Counter(event.event_id for event in applied).most_common(1)[0][1] == 1
    assert progress.cursor >= reply.sequence and progress.last_error == ""


async def test_no_event_twice_across_continue_as_new(dev_server: DevServer,
                                                     rt: RequestTracker) -> None:
    applied: list[HelpDeskEvent] = []

    async def apply(events: list[HelpDeskEvent]) -> None:
        applied.extend(events)

    async with polling(dev_server, rt, apply, interval=0.2,
                       max_history_events=12) as (client, handle):
        first = rt.create_ticket("Before", "carol@customer.test", "one")
        await until(lambda: bool(of_ticket(applied, first)))
        # Polls go on until the history is long enough to continue as new (a minute at
        # most: the list is read from visibility, which lags behind on a loaded machine).
        for _ in range(300):
            runs = [run async for run in client.list_workflows(f"WorkflowId = '{handle.id}'")]
            if len(runs) > 1:
                break
            await asyncio.sleep(0.2)
        assert len(runs) > 1, "the poll never continued as new"
        second = rt.create_ticket("After", "carol@customer.test", "two")
        await until(lambda: bool(of_ticket(applied, second)))
        latest = client.get_workflow_handle_for(RequestTrackerPollWorkflow.run, handle.id)
        progress = await latest.query(RequestTrackerPollWorkflow.progress)
        # The first run, which continued as new, replays against the code (sandboxed).
        first_run = client.get_workflow_handle(handle.id, run_id=handle.first_execution_run_id)
        history = await first_run.fetch_history()
    await Replayer(workflows=[RequestTrackerPollWorkflow], workflow_runner=workflow_runner(True),
                   data_converter=suite_converter()).replay_workflow(history)
    assert Counter(event.event_id for event in applied).most_common(1)[0][1] == 1
    assert progress.events_applied == len(applied) and progress.polls > 1


async def test_events_whose_apply_failed_are_applied_once_on_the_retry(
        dev_server: DevServer, rt: RequestTracker) -> None:
    applied: list[HelpDeskEvent] = []
    attempts: list[int] = []

    async def apply(events: list[HelpDeskEvent]) -> None:
        attempts.append(len(events))
        if len(attempts) == 1:
            raise RuntimeError("our database is briefly away")
        applied.extend(events)

    async with polling(dev_server, rt, apply, interval=0.5) as (_, handle):
        ticket = rt.create_ticket("Flaky", "carol@customer.test", "hello")
        await until(lambda: bool(of_ticket(applied, ticket)))
        progress = await handle.query(RequestTrackerPollWorkflow.progress)
    assert attempts[0] == attempts[1]  # the same page, handed again after the failure
    assert Counter(event.event_id for event in applied).most_common(1)[0][1] == 1
    assert progress.cursor == max(event.sequence for event in applied)


async def test_a_connectors_poll_starts_once_from_rts_latest_transaction(
        dev_server: DevServer, rt: RequestTracker) -> None:
    client = await connect(Settings(temporal_address=dev_server.address))
    connector = f"rt-{uuid.uuid4().hex[:8]}"
    queue = f"rt-{uuid.uuid4()}"
    rt.create_ticket("Already there", "carol@customer.test", "old")
    async with httpx.AsyncClient() as http:
        rt_client = RequestTrackerClient(RtSettings(url=rt.url, token=rt.connector_token), http)
        latest = await rt_client.latest_transaction()
        first = await ensure_poll(client, queue, rt_client, connector, interval_seconds=60)
        rt.create_ticket("Later", "carol@customer.test", "new")
        again = await ensure_poll(client, queue, rt_client, connector, interval_seconds=60)
    handle = client.get_workflow_handle_for(RequestTrackerPollWorkflow.run,
                                            poll_workflow_id(connector))
    try:
        description = await handle.describe()
        assert first == again == description.run_id
        started = plain(await handle.fetch_history())
        [input_payload] = started.events[0].workflow_execution_started_event_attributes \
            .input.payloads
        [poll] = suite_converter().payload_converter.from_payloads([input_payload],
                                                                   [RtPollInput])
        assert poll.cursor == latest and poll.connector == connector
    finally:
        await handle.terminate()

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from sla.ticket.state import Notification
from store.db import SessionFactory
from tests.support.harness import Harness, eventually, running_harness, send
from tests.support.plain_history import plain
from tests.support.scenarios import WarningsDown
from workflows.delivery import MESSAGE_HEARTBEAT_TIMEOUT
from workflows.messages import AgentResponse


async def test_first_response_in_time_is_met_and_nothing_is_sent(harness: Harness) -> None:
    handle = await harness.start("critical")
    await harness.sleep(timedelta(minutes=10))
    view = await send(handle, AgentResponse(author="ana", body="Looking at the logs now"))
    first = next(c for c in view.clocks if c.name == "first_response")
    assert first.state == "met"
    assert "agent_response" in harness.kinds(handle.id)
    # Nothing about the first response is ever sent: the ticket's first message is the
    # warning of the hourly update the response started (at 75 %, 45 minutes later).
    # Waiting for it shows the outbox was written meanwhile, so its being alone is not a
    # first-response message still in flight.
    await harness.sleep(timedelta(minutes=46))
    rows = await eventually(lambda: harness.outbox(handle.id))
    assert [(row.kind, row.subject) for row in rows] == [
        ("sla_warning", f"[{handle.id}] next update due soon")]


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
    # The warning alone, then the breach and its escalation together: one activity a step.
    scheduled = [event.activity_task_scheduled_event_attributes
                 for event in plain(await handle.fetch_history()).events
                 if event.HasField("activity_task_scheduled_event_attributes")]
    assert [(activity.activity_type.name, len(json.loads(activity.input.payloads[0].data)))
            for activity in scheduled] == [("send_notifications", 1), ("send_notifications", 2)]


async def test_a_message_still_retrying_does_not_hold_up_the_breach(
    time_skipping_env: WorkflowEnvironment, sessions: SessionFactory, task_queue: str,
    activity_executor: ThreadPoolExecutor,
) -> None:
    channel = WarningsDown()
    async with running_harness(time_skipping_env, sessions, task_queue, activity_executor,
                               channel) as harness:
        handle = await harness.start("major")
        await harness.sleep(timedelta(minutes=31))

        def breach_sent_warning_not() -> dict[str, str]:
            status = {row.kind: row.status for row in harness.outbox(handle.id)}
            done = status.get("sla_breach") == "sent" and status.get("escalation") == "sent"
            return status if done else {}

        status = await eventually(breach_sent_warning_not)
        assert status["sla_warning"] == "sending"
        channel.accepting_warnings = True
        await harness.sleep(timedelta(minutes=2))
        sent = await harness.outbox_kinds(handle.id, 3)
        assert sent == [
            ("sla_warning", "support_lead"), ("sla_breach", "support_lead"), ("escalation", "tam"),
        ]


class SlowProvider:
    """A provider that takes longer than the heartbeat timeout to accept a message."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def deliver(self, message: Notification) -> str:
        self.calls.append(message.idempotency_key)
        await asyncio.sleep(MESSAGE_HEARTBEAT_TIMEOUT.total_seconds() + 2)
        return f"ok:{message.idempotency_key}"


async def test_a_healthy_slow_send_is_kept_alive_not_sent_twice(
    time_skipping_env: WorkflowEnvironment, sessions: SessionFactory, task_queue: str,
    activity_executor: ThreadPoolExecutor,
) -> None:
    """Attempts heartbeat: a worker that dies mid-send is noticed within seconds, yet a
    send that is merely slow is not taken for dead and tried again beside itself."""
    provider = SlowProvider()
    async with running_harness(time_skipping_env, sessions, task_queue, activity_executor,
                               provider) as harness:
        handle = await harness.start("major")
        await harness.sleep(timedelta(minutes=23))  # the first-response warning falls due
        rows = await eventually(lambda: [row for row in harness.outbox(handle.id)
                                         if row.status == "sent"], timeout=30)
    assert [row.kind for row in rows] == ["sla_warning"]
    assert rows[0].attempts == 1
    assert provider.calls == [rows[0].idempotency_key]

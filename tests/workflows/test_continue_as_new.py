"""A long-lived ticket continues as new without waiting for a message stuck in delivery.

Before, continuing as new waited for every message to be answered before it wrote the
projection, while an update accepted meanwhile waited for that projection: with a mail
server refusing a message, neither ever finished, and no deadline was served either.

The history limit is set so that the customer's replies, not the breach, make the ticket
continue as new. The time-skipping test server can keep its clock locked for good when a run
continues as new while a message's activity completes in the same moment (the real server
just retries that workflow task), so the test keeps the breach's messages away from that
moment and checks that it did.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from cli.replay import ticket_replayer
from store.db import SessionFactory
from tests.support.harness import eventually, running_harness, send
from tests.support.paths import HISTORIES
from tests.support.plain_history import plain, suite_converter
from tests.support.scenarios import WarningsDown
from workflows.messages import CustomerReply


async def test_a_message_stuck_in_delivery_freezes_neither_updates_nor_deadlines(
    time_skipping_env: WorkflowEnvironment, sessions: SessionFactory, task_queue: str,
    activity_executor: ThreadPoolExecutor,
) -> None:
    channel = WarningsDown()
    async with running_harness(time_skipping_env, sessions, task_queue, activity_executor,
                               channel) as harness:
        # A warning refused leaves 15 events, each reply adds 8: the sixth reply crosses 60,
        # and the next run stays under it through the breach (18 events).
        handle = await harness.start("major", max_history_events=60)
        first_run = (await handle.describe()).run_id
        await harness.sleep(timedelta(minutes=23))  # the warning falls due, and is refused
        await eventually(lambda: [row for row in harness.outbox(handle.id)
                                  if row.kind == "sla_warning"])
        # The customer writes again and again: the history grows past its limit while the
        # warning still retries. Every reply must be answered.
        for number in range(7):
            await asyncio.wait_for(send(handle, CustomerReply(f"more details {number}")), 20)
        continued = (await handle.describe()).run_id
        assert continued != first_run  # it did continue as new
        first = await harness.env.client.get_workflow_handle(
            handle.id, run_id=first_run).fetch_history()
        # The run that continued as new replays (tests/histories keeps it, for later code).
        await ticket_replayer(suite_converter()).replay_workflow(first)
        if os.environ.get("RECORD_HISTORIES") == "1":
            (HISTORIES / "continued_as_new_carrying_a_message.json").write_text(
                plain(first).to_json())
        # The breach at 30 minutes is served on time, warning or no warning.
        await harness.sleep(timedelta(minutes=8))
        rows = await eventually(lambda: {row.kind: row.status for row in
                                         harness.outbox(handle.id)
                                         if row.kind in ("sla_breach", "escalation")
                                         and row.status == "sent"})
        assert rows == {"sla_breach": "sent", "escalation": "sent"}
        assert (await handle.describe()).run_id == continued  # served by the run carrying it
        # The mail server takes warnings again: the one carried across runs goes out once.
        channel.accepting_warnings = True
        await harness.sleep(timedelta(minutes=2))
        warning = await eventually(lambda: [row for row in harness.outbox(handle.id)
                                            if row.kind == "sla_warning"
                                            and row.status == "sent"], timeout=30)
        assert len(warning) == 1
        assert channel.delivered.count(warning[0].idempotency_key) == 1
        assert harness.kinds(handle.id).count("customer_reply") == 7

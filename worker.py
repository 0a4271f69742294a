"""The worker: runs ticket workflows and their activities.

``python worker.py`` connects to ``TEMPORAL_ADDRESS`` (or the embedded dev
server) and serves the ``TEMPORAL_TASK_QUEUE`` queue until interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor

from temporalio.client import Client
from temporalio.worker import Worker

from activities.notifications import NotificationActivities
from activities.projection import ProjectionActivities
from channels import NotificationChannel
from channels.log import LogChannel
from config import Settings, get_settings
from stack.temporal import connect
from store.db import SessionFactory, create_tables, make_engine, session_factory
from workflows.sandbox import WORKFLOW_RUNNER
from workflows.ticket import TicketWorkflow


def build_worker(
    client: Client,
    task_queue: str,
    sessions: SessionFactory,
    channel: NotificationChannel,
    executor: ThreadPoolExecutor,
) -> Worker:
    projection = ProjectionActivities(sessions)
    notifications = NotificationActivities(sessions, channel)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[TicketWorkflow],
        activities=[projection.record_ticket, notifications.send_notification],
        activity_executor=executor,
        workflow_runner=WORKFLOW_RUNNER,
    )


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    engine = make_engine(settings.database_url)
    create_tables(engine)
    client = await connect(settings)
    with ThreadPoolExecutor(max_workers=16) as executor:
        worker = build_worker(client, settings.temporal_task_queue, session_factory(engine),
                              LogChannel(), executor)
        async with worker:
            logging.getLogger(__name__).info(
                "worker serving task queue %r on %s", settings.temporal_task_queue,
                settings.effective_temporal_address)
            await (stop or asyncio.Event()).wait()
    engine.dispose()


def main() -> None:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_worker(settings))


if __name__ == "__main__":
    main()

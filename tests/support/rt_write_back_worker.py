"""A worker process for the RT write-back crash test: it serves a one-step workflow that
writes a note back to RT, and (with ``--pause-after-comment``) stops for a while right
after RT took the comment, so the test can kill it with SIGKILL in the middle of the step.

Run as ``python -m tests.support.rt_write_back_worker TEMPORAL_ADDRESS TASK_QUEUE RT_URL
RT_TOKEN [--pause-after-comment]``.
"""

from __future__ import annotations

import asyncio
import sys

import httpx
from temporalio.worker import Worker

from activities.request_tracker import RequestTrackerActivities, RtConnector
from channels.request_tracker import RequestTrackerClient, RtBatch, RtSettings
from config import Settings
from tests.support.rt_write_back_workflow import RtWriteBackStepWorkflow
from workflow_client import connect
from workflows.sandbox import workflow_runner


class PausingClient(RequestTrackerClient):
    """RT's client, stopping for a minute once RT took the comment (a crash window)."""

    async def comment(self, ticket_id: int, subject: str, text: str) -> None:
        await super().comment(ticket_id, subject, text)
        print("comment written", flush=True)
        await asyncio.sleep(60)


async def unused(batch: RtBatch) -> None:
    raise AssertionError("this worker polls nothing")


async def main(address: str, queue: str, url: str, token: str, pause: bool) -> None:
    client = await connect(Settings(temporal_address=address))
    async with httpx.AsyncClient() as http:
        kind = PausingClient if pause else RequestTrackerClient
        activities = RequestTrackerActivities(
            {"rt": RtConnector(kind(RtSettings(url=url, token=token), http), unused)})
        async with Worker(client, task_queue=queue, workflows=[RtWriteBackStepWorkflow],
                          activities=activities.activities(),
                          workflow_runner=workflow_runner(True)):
            print("worker started", flush=True)
            await asyncio.Event().wait()


if __name__ == "__main__":
    address, queue, url, token = sys.argv[1:5]
    asyncio.run(main(address, queue, url, token, pause="--pause-after-comment" in sys.argv))

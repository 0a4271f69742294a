"""A worker killed with SIGKILL in the middle of a write-back (RT took the comment, the
step has not finished) still leaves exactly one comment: the step runs again on another
worker, finds its key in RT, and writes no second one."""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from pathlib import Path

from config import Settings
from stack.temporal import DevServer
from tests.support.processes import Process
from tests.support.request_tracker import SLA_STATE_FIELD, RequestTracker
from tests.support.rt_write_back_workflow import RtWriteBackStepWorkflow
from workflow_client import connect
from workflows.request_tracker_messages import RtWriteBackStep


def worker(dev_server: DevServer, queue: str, rt: RequestTracker, log: Path,
           *flags: str) -> Process:
    return Process([sys.executable, "-m", "tests.support.rt_write_back_worker",
                    dev_server.address, queue, rt.url, rt.connector_token, *flags],
                   dict(os.environ), log)


async def until_logged(log: Path, text: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text(errors="replace"):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{text!r} not in {log}: {log.read_text(errors='replace')[-2000:]}")


async def test_a_worker_killed_mid_write_back_leaves_one_comment(
        dev_server: DevServer, rt: RequestTracker, tmp_path: Path) -> None:
    ticket = rt.create_ticket("Server down", "carol@customer.test", "All of it")
    queue = f"rt-crash-{uuid.uuid4()}"
    first = worker(dev_server, queue, rt, tmp_path / "first.log", "--pause-after-comment")
    first.start()
    second = worker(dev_server, queue, rt, tmp_path / "second.log")
    try:
        await until_logged(tmp_path / "first.log", "worker started")
        client = await connect(Settings(temporal_address=dev_server.address))
        handle = await client.start_workflow(
            RtWriteBackStepWorkflow.run,
            RtWriteBackStep(external_ticket_id=str(ticket), idempotency_key=f"T-{ticket}:9",
                            note="First response breached; escalated.", sla_state="breached"),
            id=f"rt-write-back-{uuid.uuid4()}", task_queue=queue)
        await until_logged(tmp_path / "first.log", "comment written")
        first.kill()  # SIGKILL: RT has the comment, the step never finished
        second.start()
        written = await asyncio.wait_for(handle.result(), 60)
    finally:
        first.stop()
        second.stop()
    assert written is False  # the retry found the comment the killed worker wrote
    with rt.client() as http:
        history = http.get(f"/ticket/{ticket}/history",
                           params={"fields": "Type,Data", "per_page": 100}).json()
        fields = {field["name"]: field["values"]
                  for field in http.get(f"/ticket/{ticket}").json()["CustomFields"]}
    comments = [item["Data"].strip() for item in history["items"] if item["Type"] == "Comment"]
    assert comments == [f"First response breached; escalated. [sla-key:T-{ticket}:9]"]
    assert fields[SLA_STATE_FIELD] == ["breached"]

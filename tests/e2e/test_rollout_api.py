"""Rolling a policy version out to open tickets is durable work, on the real stack: it goes
on when the command that started it is killed, reports its progress, carries on where it
stopped when the worker running it goes away, and changes each ticket once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlmodel import Session
from temporalio.worker import Worker

from activities.rollout import RolloutActivities
from sla.policy.loading import load_policy
from store.db import make_engine, session_factory
from tests.support.stack import Stack, customer, ticket_body, wait_for
from tickets.rollout import open_tickets, paged_rollout, plan_rollout, start_rollout
from workflow_client import connect
from workflows.rollout import PagedRolloutWorkflow, RolloutWorkflow
from workflows.sandbox import WORKFLOW_RUNNER

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
FAST_POLICY = Path(__file__).parent / "fast-policy.toml"


def faster_policy(tmp_path: Path) -> Path:
    edited = tmp_path / "fast-policy.toml"
    edited.write_text(FAST_POLICY.read_text().replace(
        'major = "1h", minor = "1h" }\nresolution', 'major = "30m", minor = "1h" }\nresolution'))
    return edited


async def open_six(stack: Stack) -> tuple[int, list[str]]:
    customer_id = await customer(stack)
    ids = []
    for number in range(6):
        response = await stack.http.post("/tickets", json=ticket_body(
            customer_id, subject=f"Problem {number}", force_new=True))
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return customer_id, ids


async def plan_changes(stack: Stack, ticket_id: str) -> int:
    timeline = (await stack.http.get(f"/tickets/{ticket_id}/timeline")).json()
    return sum(1 for event in timeline if event["kind"] == "plan_changed")


async def test_killing_the_command_leaves_the_rollout_running(
    stack: Stack, tmp_path: Path,
) -> None:
    customer_id, ids = await open_six(stack)
    env = {**os.environ, "DATABASE_URL": stack.settings.database_url,
           "TEMPORAL_ADDRESS": stack.settings.effective_temporal_address,
           "TEMPORAL_NAMESPACE": stack.settings.temporal_namespace,
           "TEMPORAL_TASK_QUEUE": stack.settings.temporal_task_queue}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli.policy", "apply", str(faster_policy(tmp_path)),
        "--customer", str(customer_id), "--reason", "faster majors", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    assert process.stdout is not None
    started = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
    assert started.startswith("rollout "), started
    rollout_id = started.split()[1].rstrip(":")
    process.send_signal(signal.SIGKILL)  # the operator's laptop goes to sleep
    await process.wait()

    async def finished() -> dict[str, object] | None:
        response = await stack.http.get(f"/rollouts/{rollout_id}")
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body if body["finished"] else None

    rollout = await wait_for(finished, timeout=60)
    assert rollout["total"] == rollout["done"] == 6
    assert sorted(rollout["retargeted"]) == sorted(ids)
    for ticket_id in ids:
        assert await plan_changes(stack, ticket_id) == 1
    assert (await stack.http.get("/rollouts/rollout-none")).status_code == 404


async def test_a_rollout_carries_on_where_its_worker_stopped(
    stack: Stack, tmp_path: Path,
) -> None:
    customer_id, ids = await open_six(stack)
    policy = load_policy(faster_policy(tmp_path))
    engine = make_engine(stack.settings.database_url)
    with Session(engine) as session:
        rollout = plan_rollout(session, policy, open_tickets(session, customer_id),
                               "admin:ops", "faster majors")
    engine.dispose()
    rollout.concurrency = 1
    client = await connect(stack.settings)
    # Its own task queue, so this test can stop the worker running it (the tickets stay
    # with the stack's worker).
    queue = f"rollouts-{uuid.uuid4()}"

    def rollout_worker() -> Worker:
        return Worker(client, task_queue=queue, workflows=[RolloutWorkflow],
                      activities=[RolloutActivities(client).retarget_ticket],
                      workflow_runner=WORKFLOW_RUNNER)

    first = rollout_worker()
    running = asyncio.create_task(first.run())
    handle = await start_rollout(client, queue, f"rollout-test-{uuid.uuid4()}", rollout)

    async def some_done() -> bool:
        return sum([await plan_changes(stack, ticket_id) for ticket_id in ids]) >= 2

    await wait_for(some_done, timeout=30)
    so_far = await handle.query(RolloutWorkflow.progress)
    assert so_far.total == 6 and 1 <= so_far.done < 6  # it says how far it got
    running.cancel()  # the worker goes away mid-step
    with pytest.raises(asyncio.CancelledError):
        await running
    no_worker = await stack.http.get(f"/rollouts/{handle.id}")
    assert no_worker.status_code == 503 and "no worker" in no_worker.json()["detail"]

    async with rollout_worker():
        result = await asyncio.wait_for(handle.result(), 90)
    assert result.done == result.total == 6 and result.failed == {}
    assert sorted(result.retargeted) == sorted(ids)
    for ticket_id in ids:
        assert await plan_changes(stack, ticket_id) == 1


async def test_a_paged_rollout_reads_its_tickets_a_page_at_a_time_across_runs(
    stack: Stack, tmp_path: Path,
) -> None:
    """What the API and the CLI start: the policy's text and a cursor, the tickets read two
    at a time, the run continuing as new every four; a ticket opened while it runs is
    reached too, and each ticket changes once."""
    customer_id, ids = await open_six(stack)
    policy = load_policy(faster_policy(tmp_path))
    engine = make_engine(stack.settings.database_url)
    with Session(engine) as session:
        rollout = paged_rollout(session, policy, customer_id, "admin:ops", "faster majors")
    assert rollout.plans == {} and rollout.targets == [] and rollout.progress.total == 6
    rollout.page_size, rollout.per_run, rollout.concurrency = 2, 4, 1
    client = await connect(stack.settings)
    queue = f"rollouts-{uuid.uuid4()}"
    activities = RolloutActivities(client, session_factory(engine))
    handle = await start_rollout(client, queue, f"rollout-test-{uuid.uuid4()}", rollout)
    # Opened after the rollout started (counted as it starts: 6), before its worker reads.
    late = await stack.http.post("/tickets", json=ticket_body(
        customer_id, subject="Opened while the rollout runs", force_new=True))
    assert late.status_code == 201, late.text
    ids.append(late.json()["id"])
    with ThreadPoolExecutor(max_workers=2) as executor:
        async with Worker(client, task_queue=queue, workflows=[PagedRolloutWorkflow],
                          activities=[activities.plan_rollout_page, activities.retarget_ticket],
                          activity_executor=executor, workflow_runner=WORKFLOW_RUNNER):
            result = await asyncio.wait_for(handle.result(), 90)
    engine.dispose()
    assert result.failed == {} and result.done == result.total == 7
    assert sorted(result.retargeted + result.unchanged) == sorted(ids)
    for ticket_id in ids[:6]:
        assert await plan_changes(stack, ticket_id) == 1
    described = await handle.describe()
    assert described.workflow_type == "PagedRolloutWorkflow"
    assert described.run_id != handle.first_execution_run_id  # it continued as new

"""``make bench-steps``: what each step of a ticket's life costs Temporal, event by event.

One critical ticket goes through its life on the dev server, with the worker and the API
in this process: creation, the first-response warning, the breach with its escalation,
and an agent's response. After each step the ticket's history is read and the events
the step added are counted: workflow tasks, activities (local ones are markers),
search-attribute upserts (visibility writes), timers, updates and the rest. A bare
workflow that sleeps to an instant and runs one activity is counted beside it. Adds a
section to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from sqlmodel import Session
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.worker import Worker

from api.main import create_app
from api.metrics import ApiMetrics
from bench.baseline import SleepThenActivity, stamp
from bench.report import prepend_section, say
from codec import new_key_entry
from config import Settings
from sla.policy.loading import load_policy
from stack.temporal import DevServer, free_port
from store.db import make_engine
from store.keys import create_key
from store.migrations import upgrade
from tickets.services import AppResources
from worker import run_worker
from workflow_client import connect

ROOT = Path(__file__).resolve().parents[1]
POLICY = """
warn_at = 0.5
unassigned = "duty"

[plans.steps]
first_response = { critical = "20s", major = "24h", minor = "24h" }
resolution = "24h"
escalation = ["duty"]

[contacts.duty]
name = "Duty engineer"
email = "duty@example.com"
"""

#: How the table names the events it counts (the rest are "other").
KINDS = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: "workflow tasks",
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: "activities",
    EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: "search-attribute upserts",
    EventType.EVENT_TYPE_TIMER_STARTED: "timers started",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: "updates",
    EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED: "other",
}
COLUMNS = ["events", "workflow tasks", "activities", "local activities", "patch markers",
           "search-attribute upserts", "timers started", "updates", "history bytes"]


async def history_of(client: Client, workflow_id: str) -> list[Any]:
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return list(history.events)


def kind_of(event: Any) -> str:
    if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
        # A local activity's result, or a patch (workflow.patched) recorded once per run.
        name = event.marker_recorded_event_attributes.marker_name
        return "local activities" if name == "core_local_activity" else "patch markers"
    return KINDS.get(event.event_type, "other")


def counted(events: list[Any]) -> dict[str, int]:
    kinds = Counter(kind_of(event) for event in events)
    return {"events": len(events), **{column: kinds.get(column, 0) for column in COLUMNS[1:-1]},
            "history bytes": sum(event.ByteSize() for event in events)}


async def settled(client: Client, workflow_id: str, seen: int) -> list[Any]:
    """The history once it has stopped growing for a second (the step is done)."""
    events = await history_of(client, workflow_id)
    for _ in range(60):
        await asyncio.sleep(1)
        again = await history_of(client, workflow_id)
        if len(again) == len(events) and len(again) > seen:
            return again
        events = again
    return events


async def run(data: Path) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    server = DevServer(data / "temporal.db", free_port(), ui_port=None,
                       log_file=data / "temporal.log")
    await server.start()
    (data / "policy.toml").write_text(POLICY)
    settings = Settings(database_url=f"sqlite:///{data / 'app.db'}",
                        temporal_address=server.address, sla_policy_file=data / "policy.toml",
                        temporal_task_queue="steps", log_delivery=True, log_level="WARNING",
                        worker_metrics_port=0, demo_data=False, payload_encryption="on",
                        payload_encryption_keys=SecretStr(new_key_entry("bench")))
    engine = make_engine(settings.database_url)
    upgrade(engine)
    with Session(engine) as session:
        _row, key = create_key(session, "admin", "bench")
    client = await connect(settings)
    app = create_app(settings)
    app.state.resources = AppResources(settings, engine, client,
                                       load_policy(settings.sla_policy_file))
    app.state.metrics = ApiMetrics(engine)
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(settings, stop))
    steps: dict[str, dict[str, int]] = {}
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://bench", timeout=60,
                                     headers={"Authorization": f"Bearer {key}"}) as http:
            customer = (await http.post("/customers", json={"name": "Steps Co",
                                                            "plan": "steps"})).json()
            opened_at = datetime.now(UTC)
            ticket = (await http.post("/tickets", json={
                "customer_id": customer["id"], "subject": "Checkout is down",
                "description": "every payment fails", "severity": "critical"})).json()
            ticket_id = ticket["id"]
            seen: list[Any] = []

            async def step(name: str, until: datetime | None = None) -> None:
                nonlocal seen
                if until is not None:
                    await asyncio.sleep(max(0.0, (until - datetime.now(UTC)).total_seconds()))
                events = await settled(client, ticket_id, len(seen))
                steps[name] = counted(events[len(seen):])
                say(f"{name}: {steps[name]}")
                seen = events

            await step("creation")
            await step("first-response warning", opened_at + timedelta(seconds=11))
            await step("breach with escalation", opened_at + timedelta(seconds=21))
            await http.post(f"/tickets/{ticket_id}/responses",
                            json={"author": "ana", "body": "on it"})
            await step("agent response")
        bare_id = f"bare-{uuid.uuid4()}"
        async with Worker(client, task_queue="bare", workflows=[SleepThenActivity],
                          activities=[stamp]):
            due = datetime.now(UTC) + timedelta(seconds=2)
            await client.execute_workflow(SleepThenActivity.run, due.isoformat(), id=bare_id,
                                          task_queue="bare")
        bare = counted(await history_of(client, bare_id))
    finally:
        stop.set()
        await worker
        engine.dispose()
        server.stop()
    return steps, bare


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.steps", description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="sla-bench-steps-"))
    try:
        steps, bare = asyncio.run(run(directory))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    lines = [f"## What each step of a ticket costs: run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
             "", "Events a step adds to the ticket's history (one critical ticket; messages "
             "are logged, so no send waits on a provider). Local activities and patches are "
             "recorded as markers; search-attribute upserts are the visibility writes.", "",
             "| step | " + " | ".join(COLUMNS) + " |",
             "| --- | " + " | ".join("---" for _ in COLUMNS) + " |"]
    lines += [f"| {name} | " + " | ".join(str(row[column]) for column in COLUMNS) + " |"
              for name, row in steps.items()]
    total = {column: sum(row[column] for row in steps.values()) for column in COLUMNS}
    lines.append("| **whole life** | " + " | ".join(f"**{total[c]}**" for c in COLUMNS) + " |")
    lines.append("| bare timer + activity (whole workflow) | "
                 + " | ".join(str(bare[column]) for column in COLUMNS) + " |")
    prepend_section(Path(args.out), "\n".join(lines) + "\n")
    say(f"wrote {args.out}")


if __name__ == "__main__":
    main()

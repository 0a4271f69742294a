"""Kill things while tickets are being opened and deadlines pass; nothing may be missed.

The stack runs as separate processes: the Temporal dev server on its SQLite file, the
worker, the API. While a few hundred tickets are opened the worker is killed with SIGKILL
twice, the API once, and the Temporal server is restarted on the same database file.
Afterwards every ticket must exist in the database and in Temporal, every breach that
came due must be escalated, and the outbox must hold each message exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from temporalio.client import Client

from config import Settings
from stack.temporal import DevServer, connect, free_port
from store.models import as_utc
from tests.e2e.conftest import admin_key, healthy

pytestmark = pytest.mark.crash
ROOT = Path(__file__).resolve().parents[2]
POLICY = Path(__file__).resolve().parent / "crash-policy.toml"
TICKETS_PER_WAVE = 100


class Process:
    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.command, self.env, self.log = command, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env,
                                        stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)  # noqa: SIM115

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


HEADERS: dict[str, str] = {}


def moment(value: datetime | str) -> datetime:
    """A stored instant as raw SQL reads it back (SQLite: text)."""
    return as_utc(value if isinstance(value, datetime) else datetime.fromisoformat(value))

#: No mail server here: every message ends in the log, on purpose (LOG_DELIVERY).
DELIVERED = "logged"


async def open_wave(base: str, customer_id: int, count: int) -> list[str]:
    """Opens ``count`` tickets concurrently; 201 and 202 both mean the ticket exists."""
    async with httpx.AsyncClient(base_url=base, timeout=60, headers=HEADERS) as http:
        async def one(number: int) -> str:
            response = await http.post("/tickets", headers={"Idempotency-Key": str(uuid.uuid4())},
                                       json={"customer_id": customer_id, "severity": "critical",
                                             "subject": f"Outage {uuid.uuid4()}",
                                             "description": f"ticket {number}", "force_new": True})
            assert response.status_code in (201, 202), response.text
            ticket_id: str = response.json()["id"]
            return ticket_id

        results: list[str] = []
        for start in range(0, count, 10):
            results += await asyncio.gather(*(one(n) for n in range(start, min(start + 10, count))))
        return results


async def test_nothing_is_lost_or_sent_twice_when_processes_die(tmp_path: Path) -> None:
    temporal = DevServer(tmp_path / "temporal.db", free_port(), ui_port=None,
                         log_file=tmp_path / "temporal.log")
    await temporal.start()
    api_port = free_port()
    base = f"http://127.0.0.1:{api_port}"
    database = f"sqlite:///{tmp_path / 'app.db'}"
    env = {**os.environ, "TEMPORAL_ADDRESS": temporal.address, "DATABASE_URL": database,
           "TEMPORAL_TASK_QUEUE": "crash", "SLA_POLICY_FILE": str(POLICY),
           "WORKER_WAIT_SECONDS": "2", "LOG_LEVEL": "WARNING", "WORKER_METRICS_PORT": "0",
           "LOG_DELIVERY": "true"}
    HEADERS["Authorization"] = f"Bearer {admin_key(database)}"
    worker = Process([sys.executable, "worker.py"], env, tmp_path / "worker.log")
    api = Process([sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(api_port)],
                  env, tmp_path / "api.log")
    try:
        worker.start()
        api.start()
        await healthy(base)
        async with httpx.AsyncClient(base_url=base, headers=HEADERS) as http:
            customer_id = (await http.post("/customers", json={"name": "Crash Co",
                                                               "plan": "crash"})).json()["id"]
        ids = await open_wave(base, customer_id, TICKETS_PER_WAVE)
        worker.kill()  # SIGKILL 1, mid-flight: warnings and projections in progress
        ids += await open_wave(base, customer_id, 20)  # answered 202: no worker
        worker.start()
        await asyncio.sleep(3)
        worker.kill()  # SIGKILL 2
        worker.start()
        api.kill()
        api.start()
        await healthy(base)
        ids += await open_wave(base, customer_id, TICKETS_PER_WAVE)
        temporal.stop()  # the server goes down with deadlines due
        await asyncio.sleep(2)
        await temporal.start()
        await healthy(base)
        ids += await open_wave(base, customer_id, 20)

        engine = create_engine(database)
        expected = {(ticket_id, kind) for ticket_id in ids
                    for kind in ("sla_warning", "sla_breach", "escalation")}

        def outbox() -> list[tuple[str, str, str]]:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(text(
                    "SELECT ticket_id, kind, status FROM outboxmessage"))]

        for _ in range(240):  # every ticket's 12s deadline, plus recovery
            rows = outbox()
            if {(t, k) for t, k, s in rows if s == DELIVERED} >= expected:
                break
            await asyncio.sleep(0.5)
        rows = outbox()
        with engine.connect() as connection:
            stored = {row[0] for row in connection.execute(text("SELECT id FROM ticket"))}
        client: Client = await connect(Settings(temporal_address=temporal.address))
        in_temporal = {execution.id async for execution in client.list_workflows(
            "WorkflowType = 'TicketWorkflow' AND TaskQueue = 'crash'")}
        counts = Counter((ticket_id, kind) for ticket_id, kind, _status in rows)
        with engine.connect() as connection:
            # Printed, not asserted (timings are the benchmark's): how late the escalations
            # of tickets whose worker was killed went out, heartbeats bounding the wait.
            late = [(moment(sent) - moment(due)).total_seconds() for sent, due in
                    connection.execute(text(
                        "SELECT o.sent_at, t.first_response_due FROM outboxmessage o JOIN "
                        "ticket t ON t.id = o.ticket_id WHERE o.kind = 'escalation'"))
                    if sent is not None and due is not None]
        print(f"\ncrash test: {len(ids)} tickets opened, {len(stored)} in the database, "
              f"{len(in_temporal)} in Temporal, {len(rows)} outbox messages, "
              f"{sum(1 for _t, k, _s in rows if k == 'escalation')} escalations, "
              f"{max(counts.values(), default=0)} copies of any message at most, "
              f"escalations at most {max(late, default=0):.1f} s after their due time")
        assert len(set(ids)) == len(ids)
        assert set(ids) <= stored, f"missing rows: {set(ids) - stored}"
        assert set(ids) <= in_temporal, f"missing workflows: {set(ids) - in_temporal}"
        missing = expected - {(t, k) for t, k, s in rows if s == DELIVERED}
        assert not missing, f"{len(missing)} messages never sent, e.g. {sorted(missing)[:5]}"
        assert set(counts.values()) == {1}, "a message was recorded twice"
    finally:
        api.stop()
        worker.stop()
        temporal.stop()

"""Kill things while tickets are being opened and deadlines pass; nothing may be missed.

The stack runs as separate processes: the Temporal dev server on its SQLite file, the
worker, the API, and email goes to a real SMTP server (aiosmtpd) in the test. While a few
hundred tickets are opened the worker is killed with SIGKILL twice, the API once and the
Temporal server once (then started again on the same database file), at moments drawn
from a seed the test prints (CRASH_SEED=... repeats a run). Afterwards every ticket must
exist in the database and in Temporal, every breach must be escalated, the outbox must
hold each message exactly once, and the mail server must have received each one, at most
one of them twice per kill: plain SMTP has no idempotency, so a kill between the server's
"250" and the outbox's note of it delivers that message again under the same Message-ID.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from temporalio.client import Client

from config import Settings
from stack.temporal import DevServer, free_port
from store.models import as_utc
from tests.support.processes import Process
from tests.support.servers import SmtpRecorder, smtp_server
from tests.support.stack import admin_key, healthy
from workflow_client import connect

pytestmark = pytest.mark.crash
POLICY = Path(__file__).resolve().parent / "crash-policy.toml"
TICKETS_PER_WAVE = 100


HEADERS: dict[str, str] = {}


def moment(value: datetime | str) -> datetime:
    """A stored instant as raw SQL reads it back (SQLite: text)."""
    return as_utc(value if isinstance(value, datetime) else datetime.fromisoformat(value))

#: Email reaches the test's mail server; SMS and chat are not configured, and no message
#: of the crash policy uses them (LOG_DELIVERY only lets the worker start without them).
DELIVERED = "sent"


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
    seed = int(os.environ.get("CRASH_SEED") or time.time_ns() % 1_000_000)
    print(f"\ncrash test: seed {seed} (CRASH_SEED={seed} repeats these kill times)")
    async with smtp_server() as (mailbox, smtp_port):
        await crash_and_check(tmp_path, random.Random(seed), mailbox, smtp_port)


async def crash_and_check(tmp_path: Path, chance: random.Random, mailbox: SmtpRecorder,
                          smtp_port: int) -> None:
    temporal = DevServer(tmp_path / "temporal.db", free_port(), ui_port=None,
                         log_file=tmp_path / "temporal.log")
    await temporal.start()
    api_port = free_port()
    base = f"http://127.0.0.1:{api_port}"
    database = f"sqlite:///{tmp_path / 'app.db'}"
    env = {**os.environ, "TEMPORAL_ADDRESS": temporal.address, "DATABASE_URL": database,
           "TEMPORAL_TASK_QUEUE": "crash", "SLA_POLICY_FILE": str(POLICY),
           "WORKER_WAIT_SECONDS": "2", "LOG_LEVEL": "WARNING", "WORKER_METRICS_PORT": "0",
           "LOG_DELIVERY": "true", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port),
           "MESSAGE_ID_DOMAIN": "crash.test"}
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
        await asyncio.sleep(chance.uniform(0, 3))
        worker.kill()  # SIGKILL 1, mid-flight: warnings and projections in progress
        ids += await open_wave(base, customer_id, 20)  # answered 202: no worker
        worker.start()
        await asyncio.sleep(chance.uniform(1, 8))  # into the first wave's deadlines
        worker.kill()  # SIGKILL 2
        worker.start()
        await asyncio.sleep(chance.uniform(0, 2))
        api.kill()
        api.start()
        await healthy(base)
        ids += await open_wave(base, customer_id, TICKETS_PER_WAVE)
        await asyncio.sleep(chance.uniform(0, 10))
        temporal.kill()  # SIGKILL: the server goes down with deadlines due
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
        # What the mail server received: each message, by its Message-ID.
        received = Counter(str(mail["Message-ID"]) for mail in mailbox.received)
        escalations = {str(mail["Message-ID"]) for mail in mailbox.received
                       if "] Escalated to you:" in str(mail["Subject"])}
        again = sum(copies - 1 for copies in received.values())
        print(f"crash test: the mail server received {len(received)} messages, "
              f"{len(escalations)} escalations, {again} delivered again after 4 kills")
        # A message is delivered again only where a kill interrupted its attempt: a worker
        # killed between the server's "250" and the outbox's note of it (the "sent" is a
        # later attempt's), or Temporal killed while a slow attempt ran (its heartbeats
        # could not reach the server, which retried it beside the attempt still sending:
        # both record "sent"). Either way a later attempt did it, under the same Message-ID.
        for message_id in (mid for mid, copies in received.items() if copies > 1):
            key = message_id.strip("<>").split("@")[0].replace(".", ":")
            with engine.connect() as connection:
                finished = [(attempt, outcome) for attempt, outcome in connection.execute(text(
                    "SELECT d.attempt, d.outcome FROM deliveryattempt d JOIN outboxmessage o "
                    "ON o.id = d.outbox_id WHERE o.idempotency_key = :key"), {"key": key})]
            assert received[message_id] == 2, (message_id, received[message_id])
            sent = [attempt for attempt, outcome in finished if outcome == "sent"]
            assert sent and max(sent) > 1, (message_id, finished)
        assert len(received) == len(rows)  # every outbox message reached the server
        assert len(escalations) == len(ids)  # every ticket's breach was escalated, by mail
        # Each kill can cut short the sends in flight at that moment (one, or a few when
        # many are in flight at once): printed above, explained message by message.
    finally:
        api.stop()
        worker.stop()
        temporal.stop()

"""A worker killed in the middle of a send: the message goes out again within seconds.

Only the worker dies here (SIGKILL, while the mail server is still reading a message it
sent), so what the test sees is the worker's part alone. The send that was cut short must
be retried because its heartbeats stopped (a 5 s heartbeat timeout), not after the 30 s
start-to-close timeout; a send that is merely slow (the mail server takes 7 s to answer
every message) must keep its one attempt; and the mail server must hold each message once.
How late the retry comes is printed here and measured by ``python -m bench.worker_kill``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from temporalio.api.enums.v1 import EventType, TimeoutType

from config import Settings
from stack.temporal import DevServer, free_port
from tests.support.processes import Process
from tests.support.servers import smtp_server
from tests.support.stack import admin_key, healthy
from workflow_client import connect

pytestmark = pytest.mark.crash
POLICY = Path(__file__).resolve().parent / "crash-policy.toml"
#: Longer than the heartbeat timeout, shorter than the start-to-close timeout.
MAIL_SERVER_ANSWERS_AFTER = 7.0


async def test_a_send_cut_short_by_a_worker_kill_is_retried_by_its_heartbeat_timeout(
    tmp_path: Path,
) -> None:
    temporal = DevServer(tmp_path / "temporal.db", free_port(), ui_port=None,
                         log_file=tmp_path / "temporal.log")
    await temporal.start()
    api_port = free_port()
    base = f"http://127.0.0.1:{api_port}"
    database = f"sqlite:///{tmp_path / 'app.db'}"
    headers = {"Authorization": f"Bearer {admin_key(database)}"}
    async with smtp_server() as (mailbox, smtp_port):
        mailbox.accept_after = MAIL_SERVER_ANSWERS_AFTER
        env = {**os.environ, "TEMPORAL_ADDRESS": temporal.address, "DATABASE_URL": database,
               "TEMPORAL_TASK_QUEUE": "worker-kill", "SLA_POLICY_FILE": str(POLICY),
               "LOG_LEVEL": "WARNING", "WORKER_METRICS_PORT": "0", "LOG_DELIVERY": "true",
               "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port),
               "MESSAGE_ID_DOMAIN": "kill.test"}
        worker = Process([sys.executable, "worker.py"], env, tmp_path / "worker.log")
        api = Process([sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(api_port)],
                      env, tmp_path / "api.log")
        engine = create_engine(database)
        try:
            worker.start()
            api.start()
            await healthy(base)
            async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
                customer = (await http.post("/customers", json={"name": "Kill Co",
                                                                "plan": "crash"})).json()
                opened = await http.post("/tickets", json={
                    "customer_id": customer["id"], "severity": "critical",
                    "subject": "Checkout is down", "description": "every payment fails"})
                assert opened.status_code == 201, opened.text
                ticket_id = opened.json()["id"]
            # The warning falls due after 6 s; kill the worker while the mail server reads it.
            for _ in range(200):
                if mailbox.arrived:
                    break
                await asyncio.sleep(0.1)
            assert mailbox.arrived, "no message reached the mail server"
            worker.kill()
            killed_at = time.time()
            worker.start()

            def outbox() -> dict[str, tuple[str, int]]:
                with engine.connect() as connection:
                    return {kind: (status, attempts) for kind, status, attempts in
                            connection.execute(text(
                                "SELECT kind, status, attempts FROM outboxmessage "
                                "WHERE ticket_id = :ticket"), {"ticket": ticket_id})}

            kinds = {"sla_warning", "sla_breach", "escalation"}
            for _ in range(600):
                sent = {kind for kind, (status, _a) in outbox().items() if status == "sent"}
                if sent >= kinds:
                    break
                await asyncio.sleep(0.1)
            rows = outbox()
            first = mailbox.arrived[0][0]
            again_at = next((at for message_id, at in mailbox.arrived[1:] if message_id == first),
                            None)
            print(f"\nworker kill: the cut-short message reached the mail server again "
                  f"{(again_at or float('nan')) - killed_at:.1f} s after the kill "
                  f"(heartbeat timeout 5 s, start-to-close timeout 30 s)")
            assert {kind for kind, (status, _a) in rows.items() if status == "sent"} >= kinds, rows
            # The cut-short warning took a second attempt; the slow but healthy sends, one.
            assert rows["sla_warning"][1] == 2, rows
            assert rows["sla_breach"][1] == 1 and rows["escalation"][1] == 1, rows
            received = Counter(str(mail["Message-ID"]) for mail in mailbox.received)
            assert len(received) == 3 and set(received.values()) == {1}, received
            assert first in received

            # The server retried it because its heartbeats stopped, not at the attempt's
            # start-to-close timeout: the history's record of the second attempt says so.
            client = await connect(Settings(temporal_address=temporal.address))
            history = await client.get_workflow_handle(ticket_id).fetch_history()
            retried = [event.activity_task_started_event_attributes for event in history.events
                       if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
                       and event.activity_task_started_event_attributes.attempt > 1]
            assert len(retried) == 1, retried
            timeout = retried[0].last_failure.timeout_failure_info.timeout_type
            assert timeout == TimeoutType.TIMEOUT_TYPE_HEARTBEAT, TimeoutType.Name(timeout)
        finally:
            api.stop()
            worker.stop()
            engine.dispose()
            temporal.stop()

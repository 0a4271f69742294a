"""Poison in live tickets: each input that once froze a ticket's clocks, put into a ticket
running on the real stack (Temporal's dev server, the worker and the API as processes,
PostgreSQL, a real mail server), and the ticket's breach and escalation still reach the
mail server on time.

The API refuses these inputs at its doors (asserted first); they are then sent to the
workflow directly, as any Temporal client could:

- a customer reply with a NUL, which PostgreSQL refuses to store: the database write
  fails for good, and the failing step shows on the ticket and in the worker's metrics;
- a subject with a line separator (U+2028), once taken for a transient mail error;
- update intervals of 1,000,000 weeks, 0.0000001 s, NaN and infinity, refused by the
  ticket itself;
- a 1 MiB reply, over what any door accepts, refused by the ticket before it enters the
  history (copied into messages, it would cross Temporal's payload limit).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from email.message import Message
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client, WorkflowUpdateFailedError, WorkflowUpdateStage
from temporalio.exceptions import ApplicationError

from config import Settings
from sla.ticket.changes import CustomerReply, UpdateIntervalChange
from stack.temporal import DevServer, free_port
from tests.support.metrics import scrape_until
from tests.support.postgres import new_database
from tests.support.processes import Process
from tests.support.servers import smtp_server
from tests.support.stack import admin_key, healthy
from workflow_client import connect

pytestmark = pytest.mark.crash
POLICY = Path(__file__).resolve().parent / "crash-policy.toml"
#: A breach or an escalation reaches the mail server this soon after its due time, at most.
#: Not a timing figure (the benchmark measures those; sends take well under a second): a
#: poison that held the clocks would hold them for good, or for a 30 s round at least.
ON_TIME = 10.0
NUL_REPLY = "the log says \x00\x00 then nothing"
INTERVALS = [1_000_000 * 7 * 86_400.0, 0.0000001, float("nan"), float("inf")]


async def test_poison_never_holds_a_tickets_breach_or_escalation(
    tmp_path: Path, dev_server: DevServer, postgres_url: str,
) -> None:
    database = new_database(postgres_url)
    api_port, metrics_port = free_port(), free_port()
    base = f"http://127.0.0.1:{api_port}"
    async with smtp_server() as (mailbox, smtp_port):
        env = {**os.environ, "TEMPORAL_ADDRESS": dev_server.address, "DATABASE_URL": database,
               "TEMPORAL_TASK_QUEUE": f"poison-{time.time_ns()}",
               "SLA_POLICY_FILE": str(POLICY), "LOG_LEVEL": "WARNING",
               "WORKER_METRICS_PORT": str(metrics_port), "LOG_DELIVERY": "true",
               "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port),
               "MESSAGE_ID_DOMAIN": "poison.test"}
        headers = {"Authorization": f"Bearer {admin_key(database)}"}
        worker = Process([sys.executable, "worker.py"], env, tmp_path / "worker.log")
        api = Process([sys.executable, "-m", "uvicorn", "api.main:app", "--port",
                       str(api_port)], env, tmp_path / "api.log")
        client: Client = await connect(Settings(temporal_address=dev_server.address))
        try:
            worker.start()
            api.start()
            await healthy(base)
            async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
                customer_id = (await http.post("/customers", json={
                    "name": "Poison Co", "plan": "crash",
                    "email": "ops@poison.example"})).json()["id"]

                async def open_ticket(subject: str) -> dict[str, object]:
                    response = await http.post("/tickets", json={
                        "customer_id": customer_id, "severity": "critical", "subject": subject,
                        "description": "every injection times out", "force_new": True})
                    assert response.status_code == 201, response.text
                    ticket: dict[str, object] = response.json()
                    return ticket

                nul = await open_ticket("NUL in a reply")
                separator = await open_ticket("Bounces\u2028from the relay")
                intervals = await open_ticket("Intervals out of range")
                huge = await open_ticket("A reply of 1 MiB")

                # The doors refuse each of them with a 4xx.
                refused = await http.post(f"/tickets/{nul['id']}/replies",
                                          json={"body": NUL_REPLY})
                assert refused.status_code == 422, refused.text
                for interval in ("1000000w", "0.0000001s"):
                    refused = await http.post(f"/tickets/{intervals['id']}/update-interval",
                                              json={"interval": interval, "author": "Ana"})
                    assert refused.status_code == 422, refused.text
                refused = await http.post(f"/tickets/{huge['id']}/replies",
                                          json={"body": "x" * 2**20})
                assert refused.status_code in (413, 422), refused.status_code

                # Sent to the workflows directly, as any Temporal client could.
                await client.get_workflow_handle(str(nul["id"])).start_update(
                    CustomerReply.update, CustomerReply(body=NUL_REPLY),
                    wait_for_stage=WorkflowUpdateStage.ACCEPTED)
                for seconds in INTERVALS:
                    with pytest.raises(WorkflowUpdateFailedError) as caught:
                        await client.get_workflow_handle(str(intervals["id"])).execute_update(
                            UpdateIntervalChange.update,
                            UpdateIntervalChange(seconds=seconds, author="Ana"))
                    assert isinstance(caught.value.cause, ApplicationError)
                    assert "update interval is between" in caught.value.cause.message
                with pytest.raises(WorkflowUpdateFailedError) as caught:
                    await client.get_workflow_handle(str(huge["id"])).execute_update(
                        CustomerReply.update, CustomerReply(body="x" * 2**20))
                assert isinstance(caught.value.cause, ApplicationError)
                assert caught.value.cause.message.startswith("a change is at most 512 KiB")

                tickets = [nul, separator, intervals, huge]
                due = {str(ticket["id"]): next(
                    clock["due_at"] for clock in ticket["clocks"]  # type: ignore[attr-defined]
                    if clock["name"] == "first_response") for ticket in tickets}

                def arrived(ticket_id: str, subject: str) -> list[tuple[Message, float]]:
                    return [(mail, at) for mail, (_mid, at) in zip(mailbox.received,
                                                                   mailbox.arrived, strict=False)
                            if ticket_id in str(mail["Subject"]) and subject in str(mail["Subject"])]

                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and not all(
                        arrived(ticket_id, "Escalated to you") for ticket_id in due):
                    await asyncio.sleep(0.2)
                for ticket_id, due_at in due.items():
                    due_time = _instant(due_at)
                    for subject in ("SLA breached", "Escalated to you"):
                        mails = arrived(ticket_id, subject)
                        assert mails, f"{ticket_id}: no {subject!r} mail"
                        late = mails[0][1] - due_time
                        assert late < ON_TIME, f"{ticket_id}: {subject!r} {late:.1f} s late"
                # The customer's receipt names the ticket's subject: the separator became a
                # space in the header the mail server received.
                receipt = arrived(str(separator["id"]), "We received your request")
                assert receipt, "no receipt"
                assert "Bounces from the relay" in str(receipt[0][0]["Subject"])

                # The ticket PostgreSQL will not store shows its failing step, counted.
                shown = (await http.get(f"/tickets/{nul['id']}")).json()
                failing = shown["failing_step"]
                assert failing is not None and failing["step"] == "record_ticket", shown
                assert "NUL" in failing["error"] or "0x00" in failing["error"], failing
            scraped = await scrape_until(
                f"http://127.0.0.1:{metrics_port}/metrics",
                lambda scrape: scrape.value("sla_step_failures_total",
                                            step="record_ticket", permanent="true") >= 1)
            assert scraped.value("sla_step_failures_total", step="record_ticket",
                                 permanent="true") >= 1
        finally:
            api.stop()
            worker.stop()


def _instant(value: object) -> float:
    from datetime import datetime

    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()

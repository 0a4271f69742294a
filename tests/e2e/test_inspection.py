"""What operators see in Temporal: search attributes, summaries, current details."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from temporalio.client import Client

from config import Settings
from stack.temporal import DevServer, free_port
from store.db import make_engine
from store.migrations import upgrade
from tests.support.stack import Stack, stack_settings
from worker import run_worker
from workflow_client import connect, require_search_attributes

pytestmark = pytest.mark.e2e


async def until(check: Any, timeout: float = 15) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if result := await check():
            return result
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")


async def test_a_ticket_reads_like_a_ticket_in_temporal(stack: Stack) -> None:
    customer = (await stack.http.post("/customers", json={
        "name": "Visible Co", "plan": "fast", "tam_name": "Tess",
        "tam_email": "tess@example.com"})).json()
    created = (await stack.http.post("/tickets", json={
        "customer_id": customer["id"], "subject": "Webhooks delayed", "description": "by 5 min",
        "severity": "major", "type": "configuration"})).json()
    ticket_id = created["id"]
    first_due = datetime.fromisoformat(created["clocks"][0]["due_at"])

    async def listed() -> list[dict[str, Any]]:
        rows = (await stack.http.get("/tickets", params={
            "source": "temporal", "customer_id": customer["id"]})).json()
        return [row for row in rows if row["next_due_at"]]

    [row] = await until(listed)
    assert (row["id"], row["type"], row["severity"], row["status"], row["plan"]) == (
        ticket_id, "configuration", "major", "open", "fast")
    assert row["next_due_clock"] == "first_response"
    assert abs(datetime.fromisoformat(row["next_due_at"]) - first_due) < timedelta(seconds=1)
    [db_row] = (await stack.http.get("/tickets", params={"customer_id": customer["id"]})).json()
    assert db_row["next_due_clock"] == "first_response"

    client = await connect(stack.settings)
    due_before = (first_due + timedelta(minutes=1)).isoformat()
    query = (f"TicketSeverity = 'major' AND SlaBreached = false AND NextDueAt < '{due_before}'"
             f" AND CustomerId = {customer['id']}"
             f" AND TaskQueue = '{stack.settings.temporal_task_queue}'")
    assert [w.id async for w in client.list_workflows(query)] == [ticket_id]

    handle = client.get_workflow_handle(ticket_id)
    description = await handle.describe()
    assert await description.static_summary() == "Webhooks delayed · Visible Co · major"
    assert "plan fast" in (await description.static_details() or "")
    metadata = await handle.query("__temporal_workflow_metadata")
    details = metadata.current_details
    assert f"**{ticket_id}**: Webhooks delayed" in details
    assert "first response: running, due" in details
    assert "last event:" in details and "created" in details


async def test_the_worker_refuses_a_cluster_without_the_search_attributes(
    tmp_path: Path,
) -> None:
    bare = DevServer(tmp_path / "bare.db", free_port(), ui_port=None,
                     with_search_attributes=False)
    await bare.start()
    try:
        settings = Settings(temporal_address=bare.address, worker_metrics_port=0,
                            database_url=f"sqlite:///{tmp_path / 'app.db'}")
        upgrade(make_engine(settings.database_url))
        with pytest.raises(RuntimeError) as refused:
            await run_worker(settings)
        message = str(refused.value)
        assert "lacks the search attributes" in message
        assert ("temporal operator search-attribute create --namespace default "
                "--name NextDueAt --type Datetime") in message
        client = await Client.connect(bare.address)
        with pytest.raises(RuntimeError):
            await require_search_attributes(client, "default")
    finally:
        bare.stop()


async def test_a_worker_that_would_only_log_messages_refuses_unless_asked(
    dev_server: DevServer, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    """Outside `make run`, a worker with unconfigured channels would record escalations that
    nobody receives: it refuses to start and names what is missing, unless LOG_DELIVERY."""
    bare = stack_settings(dev_server, tmp_path, log_delivery=False)
    upgrade(make_engine(bare.database_url))
    with pytest.raises(RuntimeError) as refused:
        await run_worker(bare)
    message = str(refused.value)
    for name in ("SMTP_HOST", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER",
                 "CHAT_WEBHOOK_URL", "CHAT_WEBHOOK_SECRET", "LOG_DELIVERY=true"):
        assert name in message, message
    half = bare.model_copy(update={"smtp_host": "127.0.0.1", "twilio_account_sid": "AC1",
                                   "chat_webhook_url": "https://chat.example.com/hook",
                                   "chat_webhook_secret": SecretStr("s")})
    with pytest.raises(RuntimeError) as refused:
        await run_worker(half)
    assert "sms and voice: TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER" in str(refused.value)
    assert "SMTP_HOST" not in str(refused.value) and "CHAT_" not in str(refused.value)

    stop = asyncio.Event()
    with caplog.at_level(logging.WARNING, logger="worker"):
        running = asyncio.create_task(run_worker(bare.model_copy(update={"log_delivery": True}),
                                                 stop))
        for _ in range(200):
            if "email messages are only written to the log" in caplog.text:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await running
    assert "email messages are only written to the log (outbox status 'logged'): SMTP_HOST " \
        "not set" in caplog.text

"""A ticket on the dev server through ``connect`` with keys: its history holds no
description, name, address or phone number in clear, its search attributes none either,
and it replays through the replay tool with the keys (and not without them)."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from cli.replay import histories_from_files, main, replay, ticket_replayer
from codec import ENCODING
from config import Settings, get_settings
from sla.policy.snapshot import Contact
from sla.ticket.state import TicketDetails
from stack.temporal import DevServer
from store.db import SessionFactory
from tests.support.harness import DEFAULT_POLICY, TAM, eventually, running_harness
from workflow_client import DATA_CONVERTER, connect, data_converter
from workflows import search_attributes
from workflows.messages import TicketWorkflowInput
from workflows.ticket import TicketWorkflow

OLD = "old:" + base64.b64encode(b"o" * 32).decode()
NEW = "new:" + base64.b64encode(b"n" * 32).decode()
PERSONAL = ["Ada Lovelace", "ada.lovelace@example.com", "+390200000777",
            "the analytical engine drops every second invoice", "Invoices vanish at Ada's"]


@pytest.fixture
def keyed_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's settings (what the replay tool reads) with the keys, rotated."""
    monkeypatch.setenv("PAYLOAD_ENCRYPTION", "on")
    monkeypatch.setenv("PAYLOAD_ENCRYPTION_KEYS", f"{NEW},{OLD}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def encrypted_ticket(dev_server: DevServer, sessions: SessionFactory,
                           executor: ThreadPoolExecutor, keys: str) -> WorkflowHistory:
    """A ticket opened and recorded by a worker whose client ``connect`` made with ``keys``;
    its history once it has settled."""
    client = await connect(Settings(temporal_address=dev_server.address,
                                    payload_encryption="on", payload_encryption_keys=keys))
    env = WorkflowEnvironment.from_client(client)
    task_queue = f"encrypted-{uuid.uuid4()}"
    async with running_harness(env, sessions, task_queue, executor) as harness:
        customer = Contact(role="customer", name=PERSONAL[0], email=PERSONAL[1],
                           phone=PERSONAL[2])
        ticket_id = f"TCK-{uuid.uuid4().hex[:10].upper()}"
        snapshot = DEFAULT_POLICY.snapshot("premium", TAM, await env.get_current_time(),
                                           customer)
        details = TicketDetails(ticket_id=ticket_id, customer_id=harness.customer_id,
                                subject=PERSONAL[4], description=PERSONAL[3],
                                severity="critical", type="problem", channel="api",
                                assignee=customer)
        # Started as tickets.commands starts one: the Web UI's summary and details name the
        # subject, the customer and the description.
        handle = await client.start_workflow(
            TicketWorkflow.run, TicketWorkflowInput(details=details, plan=snapshot),
            id=ticket_id, task_queue=task_queue,
            search_attributes=search_attributes.ticket_attributes(
                status="open", severity="critical", plan=snapshot.plan,
                customer_id=harness.customer_id, escalation_level=0, breached=False,
                ticket_id=ticket_id, ticket_type="problem"),
            static_summary=f"{PERSONAL[4]} · {PERSONAL[0]}",
            static_details=f"**{PERSONAL[4]}**\n\n{PERSONAL[3]}")
        harness.started.append(handle)
        await eventually(lambda: harness.ticket(ticket_id))
        # Settled: its workflow tasks completed, so a replay has commands to check.
        await harness.settled(handle)
        # The search attributes are in clear: none may carry what the ticket says.
        published = (await handle.describe()).typed_search_attributes
        assert len(published) >= 7, published
        for pair in published:
            assert not any(text in str(pair.value) for text in PERSONAL), pair
        return await handle.fetch_history()


async def test_a_tickets_history_is_encrypted_and_replays_with_the_keys(
    dev_server: DevServer, sessions: SessionFactory, activity_executor: ThreadPoolExecutor,
    tmp_path: Path, keyed_settings: None, capsys: pytest.CaptureFixture[str],
) -> None:
    # Written with the key that was newest then; read after a rotation put NEW first.
    history = await encrypted_ticket(dev_server, sessions, activity_executor, OLD)
    # Each event as the server stores it (the JSON would show payloads in base64 anyway).
    stored = b"".join(event.SerializeToString() for event in history.events)
    assert history.workflow_id.encode() in stored
    for text in PERSONAL:
        assert text.encode() not in stored, text
    started = history.events[0].workflow_execution_started_event_attributes
    [payload] = started.input.payloads
    assert payload.metadata["encoding"] == ENCODING
    assert payload.metadata["encryption-key-id"] == b"old"
    # What the Web UI's download gives, read by `python -m cli.replay` with the settings' keys.
    saved = tmp_path / f"{history.workflow_id}.json"
    saved.write_text(history.to_json())
    assert await asyncio.to_thread(main, [str(saved)]) == 0
    assert "1 of 1 histories replay" in capsys.readouterr().err
    # The worker's replayer with the settings' converter (the codec in it) replays it too.
    await ticket_replayer(data_converter(get_settings())).replay_workflow(history)
    # Without the codec, the ticket's input is unreadable: the keys are what replays it.
    count, failures = await replay(histories_from_files([saved]), DATA_CONVERTER)
    assert count == 1 and len(failures) == 1, failures


async def test_the_replay_tool_names_a_key_it_lacks(
    dev_server: DevServer, sessions: SessionFactory, activity_executor: ThreadPoolExecutor,
    tmp_path: Path, keyed_settings: None, capsys: pytest.CaptureFixture[str],
) -> None:
    stranger = "gone:" + base64.b64encode(b"g" * 32).decode()
    history = await encrypted_ticket(dev_server, sessions, activity_executor, stranger)
    saved = tmp_path / f"{history.workflow_id}.json"
    saved.write_text(history.to_json())
    assert await asyncio.to_thread(main, [str(saved)]) == 1
    assert "key 'gone'" in capsys.readouterr().out



"""Replaying the cluster's running tickets, and one exported with the ``temporal`` CLI."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from cli.replay import main
from config import get_settings
from stack.temporal import temporal_cli
from tests.support.stack import Stack, customer, ticket_body

pytestmark = pytest.mark.e2e


async def test_running_tickets_replay_from_the_cluster_and_from_an_export(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    customer_id = await customer(stack)
    ticket_id = (await stack.http.post("/tickets", json=ticket_body(customer_id))).json()["id"]
    await stack.http.post(f"/tickets/{ticket_id}/responses", json={"author": "ana", "body": "On it"})

    monkeypatch.setenv("TEMPORAL_ADDRESS", str(stack.settings.temporal_address))
    get_settings.cache_clear()
    try:
        # main() runs its own event loop: off this test's loop, in a thread.
        code = await asyncio.to_thread(main, ["--query", f'WorkflowId = "{ticket_id}"'])
        assert code == 0
        assert "1 of 1 histories replay" in capsys.readouterr().err
        running = await asyncio.to_thread(main, [])
        assert running == 0
        assert "histories replay against this code" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()

    export = tmp_path / f"{ticket_id}.json"
    with export.open("w") as out:
        subprocess.run([temporal_cli(), "workflow", "show", "--workflow-id", ticket_id,
                        "--address", str(stack.settings.temporal_address), "--output", "json"],
                       stdout=out, check=True, timeout=60)
    assert await asyncio.to_thread(main, [str(export)]) == 0
    assert "1 of 1 histories replay" in capsys.readouterr().err

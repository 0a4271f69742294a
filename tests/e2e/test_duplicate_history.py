"""A linked duplicate's history, recorded through the API on the real dev server.

Its workflow never upserts a search attribute of its own accord (no clocks, nothing
changes), which makes it the history that shows a new upsert needs ``workflow.patched``:
``tests/histories/before-policy-version/duplicate_ticket.json`` was recorded before
tickets published PolicyVersion (see ``tests/workflows/test_replay.py``).
"""

from __future__ import annotations

import os

import pytest

from cli.replay import ticket_replayer
from stack.temporal import connect
from tests.e2e.conftest import Stack
from tests.e2e.test_tickets_api import customer, ticket_body
from tests.workflows.test_replay import HISTORIES

pytestmark = pytest.mark.e2e


async def test_duplicate_ticket_history_replays(stack: Stack) -> None:
    customer_id = await customer(stack)
    body = ticket_body(customer_id, subject="Bounces from every Gmail recipient",
                       description="all mail to gmail.com bounces with 550")
    original = (await stack.http.post("/tickets", json=body)).json()
    duplicate = (await stack.http.post("/tickets", json=body)).json()
    assert duplicate["duplicate_of"] == original["id"]
    response = await stack.http.post(f"/tickets/{duplicate['id']}/responses",
                                     json={"author": "ana", "body": "same as the first one"})
    assert response.status_code == 200, response.text
    client = await connect(stack.settings)
    history = await client.get_workflow_handle(duplicate["id"]).fetch_history()
    await ticket_replayer().replay_workflow(history)
    if os.environ.get("RECORD_HISTORIES") == "1":
        (HISTORIES / "duplicate_ticket.json").write_text(history.to_json())

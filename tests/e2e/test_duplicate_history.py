"""A duplicate's history, recorded through the API on the real dev server.

Tickets opened as linked duplicates at creation (no clocks at all:
``tests/histories/before-one-shape-marker/duplicate_ticket.json`` and, before tickets
published PolicyVersion, ``before-policy-version/duplicate_ticket.json``) may still be
running; newer ones are
possible duplicates with clocks of their own until an agent confirms the link, which this
test records (``possible_duplicate_confirmed.json``).
"""

from __future__ import annotations

import os

import pytest

from cli.replay import ticket_replayer
from tests.support.paths import HISTORIES
from tests.support.plain_history import plain, suite_converter
from tests.support.stack import Stack, customer, ticket_body
from workflow_client import connect

pytestmark = pytest.mark.e2e


async def test_duplicate_ticket_history_replays(stack: Stack) -> None:
    customer_id = await customer(stack)
    body = ticket_body(customer_id, subject="Bounces from every Gmail recipient",
                       description="all mail to gmail.com bounces with 550")
    original = (await stack.http.post("/tickets", json=body)).json()
    duplicate = (await stack.http.post("/tickets", json=body)).json()
    assert duplicate["possible_duplicate_of"] == original["id"]
    confirmed = await stack.http.post(f"/tickets/{duplicate['id']}/duplicate",
                                      json={"decision": "confirm", "author": "ana"})
    assert confirmed.status_code == 200, confirmed.text
    response = await stack.http.post(f"/tickets/{duplicate['id']}/responses",
                                     json={"author": "ana", "body": "same as the first one"})
    assert response.status_code == 200, response.text
    client = await connect(stack.settings)
    history = await client.get_workflow_handle(duplicate["id"]).fetch_history()
    await ticket_replayer(suite_converter()).replay_workflow(history)
    if os.environ.get("RECORD_HISTORIES") == "1":
        (HISTORIES / "possible_duplicate_confirmed.json").write_text(plain(history).to_json())

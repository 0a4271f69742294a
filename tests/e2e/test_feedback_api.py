"""Feedback through the API: a 1-5 rating once per closure, refusals that say why."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_tickets_api import customer, ticket_body

pytestmark = pytest.mark.e2e


async def test_feedback_once_per_closure(stack: Stack) -> None:
    customer_id = await customer(stack)
    ticket = (await stack.http.post("/tickets", json=ticket_body(customer_id))).json()
    url = f"/tickets/{ticket['id']}"
    early = await stack.http.post(f"{url}/feedback", json={"rating": 5})
    assert early.status_code == 409 and "once the ticket is closed" in early.json()["detail"]
    await stack.http.post(f"{url}/resolution", json={"author": "ana", "summary": "fixed"})
    await stack.http.post(f"{url}/confirmation", json={})
    assert (await stack.http.post(f"{url}/feedback", json={"rating": 6})).status_code == 422
    given = await stack.http.post(f"{url}/feedback", json={"rating": 4, "comment": "fast"})
    assert given.status_code == 200, given.text
    assert [(item["closure"], item["rating"], item["comment"])
            for item in given.json()["feedback"]] == [(1, 4, "fast")]
    again = await stack.http.post(f"{url}/feedback", json={"rating": 5})
    assert again.status_code == 409 and "already given" in again.json()["detail"]
    timeline = (await stack.http.get(f"{url}/timeline")).json()
    assert [event["detail"] for event in timeline
                                   if event["kind"] == "feedback"] == ["rated 4/5: fast"]

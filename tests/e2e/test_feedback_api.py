"""Feedback through the API: a 1-5 rating once per closure, refusals that say why."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support.stack import Stack, customer, ticket_body, wait_for

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


async def test_the_link_in_the_feedback_request_takes_a_rating_without_a_key(
    stack: Stack,
) -> None:
    customer_id = await customer(stack, email="rita@acme.example")
    ticket = (await stack.http.post("/tickets", json=ticket_body(customer_id))).json()
    url = f"/tickets/{ticket['id']}"
    await stack.http.post(f"{url}/resolution", json={"author": "ana", "summary": "fixed"})
    await stack.http.post(f"{url}/confirmation", json={})

    async def feedback_request() -> dict[str, Any] | None:
        outbox = (await stack.http.get(f"{url}/notifications")).json()
        return next((m for m in outbox if m["kind"] == "feedback_request"), None)

    message = await wait_for(feedback_request)
    link = re.search(r"http://\S+/feedback/\S+", message["body"])
    assert link is not None, message["body"]
    async with httpx.AsyncClient() as browser:  # no API key: the token is the credential
        form = await browser.get(link.group(0))
        assert form.status_code == 200 and 'name="rating"' in form.text
        assert "SMTP injections fail" in form.text
        token = parse_qs(urlsplit(link.group(0)).query)["token"][0]
        action = urlsplit(link.group(0))._replace(query="").geturl()
        sent = await browser.post(action, data={"token": token, "rating": "3",
                                                "comment": "slow but fine"})
        assert sent.status_code == 200 and "you rated 3/5" in sent.text
        again = await browser.post(action, data={"token": token, "rating": "5"})
        assert again.status_code == 409 and "already given" in again.text
        reopened_link = await browser.get(link.group(0))
        assert "already recorded" in reopened_link.text
        forged = await browser.get(action, params={"token": "0" * 32})
        assert forged.status_code == 404 and 'name="rating"' not in forged.text
        elsewhere = await browser.get(f"{action}X", params={"token": token})
        assert elsewhere.status_code == 404
        assert (await browser.post(action, data={"token": token, "rating": "9"})).status_code \
            == 422
    shown = (await stack.http.get(url)).json()
    assert [(item["rating"], item["comment"]) for item in shown["feedback"]] == [
        (3, "slow but fine")]

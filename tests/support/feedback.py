"""The feedback link a closed ticket's customer was sent, read from its outbox."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from tests.support.in_process import InProcessApi


@dataclass
class FeedbackLinkParts:
    path: str
    token: str


async def feedback_link(admin: httpx.AsyncClient, ticket_id: str) -> FeedbackLinkParts:
    for _ in range(100):
        outbox = (await admin.get(f"/tickets/{ticket_id}/notifications")).json()
        message = next((m for m in outbox if m["kind"] == "feedback_request"), None)
        if message is not None:
            found = re.search(r"https?://\S+/feedback/\S+", message["body"])
            assert found is not None, message["body"]
            parts = urlsplit(found.group(0))
            token = re.search(r"token=([0-9a-f]+)", parts.query)
            assert token is not None
            return FeedbackLinkParts(parts.path, token.group(1))
        await asyncio.sleep(0.1)
    raise AssertionError("no feedback request was sent")


async def closed_ticket(api: InProcessApi,
                        subject: str = "Bounces") -> tuple[str, FeedbackLinkParts]:
    """A ticket opened, resolved and confirmed (so closed), and its feedback link."""
    admin = api.http
    customer = (await admin.post("/customers", json={
        "name": "Rated Co", "plan": "fast", "email": "ops@rated.example"})).json()["id"]
    opened = await admin.post("/tickets", json={
        "customer_id": customer, "subject": subject, "description": "d", "severity": "minor"})
    assert opened.status_code == 201, opened.text
    ticket_id = str(opened.json()["id"])
    await admin.post(f"/tickets/{ticket_id}/resolution", json={"author": "a", "summary": "s"})
    await admin.post(f"/tickets/{ticket_id}/confirmation", json={})
    return ticket_id, await feedback_link(admin, ticket_id)


def anonymous(api: InProcessApi) -> httpx.AsyncClient:
    """A client of the in-process API with no key and no session: a customer's browser."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=api.app),
                             base_url="http://api.test", timeout=30)

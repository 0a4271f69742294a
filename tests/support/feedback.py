"""The feedback link a closed ticket's customer was sent, read from its outbox."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx


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

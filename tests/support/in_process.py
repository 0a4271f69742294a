"""The API in this process, without a socket: requests go straight to the ASGI app (httpx's
ASGITransport), which talks to the session's Temporal dev server and a worker running in
this process too (the ``api`` fixture, ``tests/api/conftest.py``). And a browser's session
on it: signed in through the sign-in form, the form token read from a page.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from config import Settings
from tickets.services import AppResources


@dataclass
class InProcessApi:
    http: httpx.AsyncClient
    settings: Settings
    openapi: dict[str, Any]
    app: FastAPI
    worker_stop: asyncio.Event
    worker: asyncio.Task[None]

    async def stop_worker(self) -> None:
        """The ticket's worker goes away: updates wait on the server for the next one."""
        self.worker_stop.set()
        await self.worker

    def wait_for_worker(self, seconds: float) -> None:
        resources: AppResources = self.app.state.resources
        resources.settings = resources.settings.model_copy(
            update={"worker_wait_seconds": seconds})

    def declared(self, method: str, path: str) -> set[int]:
        """The statuses the OpenAPI document declares for an operation."""
        responses = self.openapi["paths"][path][method.lower()]["responses"]
        return {int(code) for code in responses}


async def post_sign_in(browser: httpx.AsyncClient, key: str, next: str = "",
                       headers: dict[str, str] | None = None) -> httpx.Response:
    """The sign-in form opened and sent, as a person does: its sign-in token comes with it."""
    form = await browser.get("/sign-in", params={"next": next} if next else None,
                             headers=headers)
    found = re.search(r'name="sign_in_token" value="([^"]+)"', form.text)
    assert found is not None, form.text
    return await browser.post("/sign-in", headers=headers, data={
        "key": key, "next": next, "sign_in_token": found.group(1)})


async def signed_in(api: InProcessApi, key: str) -> httpx.AsyncClient:
    """A browser (a client that keeps cookies, and sends no key) signed in with ``key``."""
    browser = httpx.AsyncClient(transport=httpx.ASGITransport(app=api.app),
                                base_url="http://api.test")
    answer = await post_sign_in(browser, key)
    assert answer.status_code == 303, answer.text
    return browser


def form_token(html: str) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', html)
    assert found is not None, "the page has no form"
    return found.group(1)

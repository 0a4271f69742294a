"""The API in this process, without a socket: requests go straight to the ASGI app (httpx's
ASGITransport), which talks to the session's Temporal dev server and a worker running in
this process too. Fast enough for every error a route can answer.

Not the time-skipping test server: it refuses the tickets' search attributes and cannot
register them (no operator service), so no ticket could start on it through the API.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI

from api.main import create_app
from api.metrics import ApiMetrics
from config import Settings
from sla.policy.loading import load_policy
from stack.temporal import DevServer
from store.db import make_engine
from tests.e2e.conftest import admin_key, dev_server, stack_settings
from tickets.services import AppResources
from worker import run_worker
from workflow_client import connect

__all__ = ["dev_server"]


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


@pytest_asyncio.fixture
async def api(dev_server: DevServer, tmp_path: Path) -> AsyncIterator[InProcessApi]:
    settings = stack_settings(dev_server, tmp_path, worker_wait_seconds=5)
    key = admin_key(settings.database_url)
    engine = make_engine(settings.database_url)
    client = await connect(settings)
    app = create_app(settings)
    app.state.resources = AppResources(settings, engine, client,
                                       load_policy(settings.sla_policy_file))
    app.state.metrics = ApiMetrics(engine)
    transport = httpx.ASGITransport(app=app)
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(settings, stop))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test",
                                     timeout=30,
                                     headers={"Authorization": f"Bearer {key}"}) as http:
            yield InProcessApi(http, settings, app.openapi(), app, stop, worker)
    finally:
        stop.set()
        await worker
        engine.dispose()

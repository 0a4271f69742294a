"""The API in this process (``tests.support.in_process``), fast enough for every error a
route can answer.

Not the time-skipping test server: it refuses the tickets' search attributes and cannot
register them (no operator service), so no ticket could start on it through the API.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

import config
from api.main import create_app
from api.metrics import ApiMetrics
from sla.policy.loading import load_policy
from stack.temporal import DevServer
from store.db import make_engine
from tests.support.in_process import InProcessApi
from tests.support.stack import admin_key, stack_settings
from tickets.services import AppResources
from worker import run_worker
from workflow_client import connect

POLICIES = Path(__file__).resolve().parents[2] / "policies"


@asynccontextmanager
async def in_process_api(dev_server: DevServer, tmp_path: Path,
                         **overrides: object) -> AsyncIterator[InProcessApi]:
    """The API in this process and a worker, on the stack's settings with ``overrides``."""
    settings = stack_settings(dev_server, tmp_path, worker_wait_seconds=5, **overrides)
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


@pytest_asyncio.fixture
async def api(dev_server: DevServer, tmp_path: Path) -> AsyncIterator[InProcessApi]:
    async with in_process_api(dev_server, tmp_path) as running:
        yield running


@pytest_asyncio.fixture
async def dialog_api(dev_server: DevServer, tmp_path: Path) -> AsyncIterator[InProcessApi]:
    """The API under 360dialog's policy (its first response is the first investigation)."""
    async with in_process_api(dev_server, tmp_path,
                              sla_policy_file=POLICIES / "360dialog.toml") as running:
        yield running


def _shell_env(api: InProcessApi, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    settings = api.settings
    for name, value in {"DATABASE_URL": settings.database_url,
                        "TEMPORAL_ADDRESS": str(settings.temporal_address),
                        "TEMPORAL_TASK_QUEUE": settings.temporal_task_queue,
                        "SLA_POLICY_FILE": str(settings.sla_policy_file),
                        "WORKER_WAIT_SECONDS": "10"}.items():
        monkeypatch.setenv(name, value)
    config.get_settings.cache_clear()
    yield
    config.get_settings.cache_clear()


@pytest.fixture
def shell_settings(api: InProcessApi, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The command reads its settings from the environment, as on the server."""
    yield from _shell_env(api, monkeypatch)


@pytest.fixture
def dialog_shell_settings(dialog_api: InProcessApi,
                          monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The same, for the API under 360dialog's policy."""
    yield from _shell_env(dialog_api, monkeypatch)

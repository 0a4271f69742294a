"""The real stack: the worker and the API on a real port, against Temporal's dev server (the
``dev_server`` fixture), and what its tests ask it for."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlmodel import Session

from api.main import create_app
from config import Settings
from stack.__main__ import ApiServer
from stack.temporal import DevServer, free_port
from store.db import make_engine
from store.keys import create_key
from store.migrations import upgrade
from tests.support.paths import FAST_POLICY
from worker import run_worker

#: What the tests' workers and APIs sign feedback links with.
FEEDBACK_LINK_SECRET = "feedback-link-secret-of-the-tests"


def stack_settings(dev_server: DevServer, data: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": f"sqlite:///{data / 'app.db'}",
        "temporal_address": dev_server.address,
        "temporal_task_queue": f"e2e-{uuid.uuid4()}",
        "sla_policy_file": FAST_POLICY,
        "api_port": free_port(),
        "demo_data": False,
        # Several workers run in this process at once; a test that scrapes one sets a port.
        "worker_metrics_port": 0,
        # No mail server: the messages are logged (status "logged"), on purpose.
        "log_delivery": True,
        "feedback_link_secret": FEEDBACK_LINK_SECRET,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@asynccontextmanager
async def running_worker(settings: Settings) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(settings, stop))
    try:
        yield
    finally:
        stop.set()
        await task


async def healthy(base: str) -> None:
    """Wait until an API started as its own process answers /health with 200."""
    async with httpx.AsyncClient() as http:
        for _ in range(240):
            try:
                if (await http.get(f"{base}/health", timeout=2)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.25)
    raise AssertionError(f"{base} did not become healthy")


def admin_key(database_url: str) -> str:
    """An admin key in the stack's database, made the way `make run` makes the first one."""
    engine = make_engine(database_url)
    upgrade(engine)
    with Session(engine) as session:
        _row, key = create_key(session, "admin", "tests")
    engine.dispose()
    return key


@asynccontextmanager
async def running_api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The API on a real port; the client it yields sends an admin key."""
    key = admin_key(settings.database_url)
    server = ApiServer(uvicorn.Config(create_app(settings), host="127.0.0.1",
                                      port=settings.api_port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.api_port}",
                                     timeout=30,
                                     headers={"Authorization": f"Bearer {key}"}) as http:
            yield http
    finally:
        server.should_exit = True
        await task


@dataclass
class Stack:
    http: httpx.AsyncClient
    settings: Settings


async def customer(stack: Stack, **overrides: Any) -> int:
    body = {"name": "Acme", "plan": "fast", "tam_name": "Tess", "tam_email": "tess@example.com"}
    body.update(overrides)
    response = await stack.http.post("/customers", json=body)
    assert response.status_code == 201, response.text
    customer_id: int = response.json()["id"]
    return customer_id


def ticket_body(customer_id: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"customer_id": customer_id, "subject": "SMTP injections fail",
                            "description": "all of them time out", "severity": "major"}
    body.update(overrides)
    return body


async def wait_for(predicate: Any, timeout: float = 15) -> Any:
    """Await ``predicate()`` until it returns something truthy (real time)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        result = await predicate()
        if result:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")

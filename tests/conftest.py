"""Shared fixtures: Temporal's time-skipping test server and a fresh database per test."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from store.db import SessionFactory, make_engine, session_factory
from store.migrations import upgrade
from tests.postgres import new_database, temporary_postgres
from tests.workflows.harness import Harness, running_harness
from workflow_client import DATA_CONVERTER

ROOT = Path(__file__).resolve().parent.parent


def test_server_path() -> str:
    path = Path(sys.executable).parent / "temporal-test-server"
    if not path.exists():
        pytest.fail("temporal-test-server is missing: run `make test` (installs the test extras)")
    return str(path)


class TimeSkippingServer:
    """One test server for the session, replaced if a test leaves its clock stuck.

    The test server's clock can stay locked for good after an odd interleaving of its own
    (see tests/workflows/test_continue_as_new.py); a fresh server keeps that one failure
    from failing every later test with a timeout.
    """

    def __init__(self) -> None:
        self.env: WorkflowEnvironment | None = None

    async def start(self) -> WorkflowEnvironment:
        self.env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=test_server_path(), data_converter=DATA_CONVERTER)
        return self.env

    async def clock_moves(self) -> bool:
        """An hour skips in an instant; a locked clock runs at wall-clock speed."""
        assert self.env is not None
        try:
            await asyncio.wait_for(self.env.sleep(timedelta(hours=1)), 10)
        except (TimeoutError, RPCError):
            return False
        return True

    async def shutdown(self) -> None:
        if self.env is not None:
            with contextlib.suppress(Exception):
                await self.env.shutdown()
            self.env = None


@pytest_asyncio.fixture(scope="session")
async def time_skipping_server() -> AsyncIterator[TimeSkippingServer]:
    server = TimeSkippingServer()
    await server.start()
    try:
        yield server
    finally:
        await server.shutdown()


@pytest_asyncio.fixture
async def time_skipping_env(
    time_skipping_server: TimeSkippingServer,
) -> AsyncIterator[WorkflowEnvironment]:
    assert time_skipping_server.env is not None
    yield time_skipping_server.env
    if not await time_skipping_server.clock_moves():
        warnings.warn("the time-skipping test server's clock stuck: starting a fresh one",
                      stacklevel=1)
        await time_skipping_server.shutdown()
        await time_skipping_server.start()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with temporary_postgres() as url:
        yield url


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The same test on SQLite and on PostgreSQL, each with empty tables."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
    else:
        url = new_database(request.getfixturevalue("postgres_url"))
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> SessionFactory:
    return session_factory(engine)


@pytest.fixture(scope="session")
def activity_executor() -> Iterator[ThreadPoolExecutor]:
    # As many threads as the worker's activity slots, as worker.py does.
    with ThreadPoolExecutor(max_workers=100) as executor:
        yield executor


@pytest.fixture
def task_queue() -> str:
    return f"tickets-{uuid.uuid4()}"


@pytest_asyncio.fixture
async def harness(
    time_skipping_env: WorkflowEnvironment,
    sessions: SessionFactory,
    task_queue: str,
    activity_executor: ThreadPoolExecutor,
) -> AsyncIterator[Harness]:
    async with running_harness(time_skipping_env, sessions, task_queue, activity_executor) as h:
        yield h

"""Shared fixtures: Temporal's time-skipping test server and a fresh database per test."""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from store.db import SessionFactory, make_engine, session_factory
from store.migrations import upgrade
from tests.postgres import new_database, temporary_postgres
from tests.workflows.harness import Harness, running_harness

ROOT = Path(__file__).resolve().parent.parent


def test_server_path() -> str:
    path = Path(sys.executable).parent / "temporal-test-server"
    if not path.exists():
        pytest.fail("temporal-test-server is missing: run `make test` (installs the test extras)")
    return str(path)


@pytest_asyncio.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=test_server_path())
    try:
        yield env
    finally:
        await env.shutdown()


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

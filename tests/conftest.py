"""Shared fixtures: Temporal's time-skipping test server, the dev server, and a fresh
database per test; and the ``pure`` marker, held to its word.

A ``pure`` test needs no Temporal server, no database server and no browser: ``make
check`` runs those only. Every test under tests/sla, tests/intake and tests/reports is pure
(the pure logic's tests); elsewhere a module says so (``pytestmark = pytest.mark.pure``).
A pure test that asks for a server's fixture is refused at collection, and one that starts
a server or connects to one anyway fails at that call.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
import pytest_asyncio
from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from config import Settings
from stack.temporal import DevServer, free_port
from store.db import SessionFactory, make_engine, session_factory
from store.migrations import upgrade
from tests.support.harness import Harness, running_harness
from tests.support.plain_history import suite_converter
from tests.support.postgres import new_database, temporary_postgres
from workflow_client import connect, ensure_search_attributes

# The suite sends ticket data to Temporal encrypted, as the product does by default, with a
# key of its own (never one of production's). A test that reads a history's payloads
# decrypts them first (tests/support/plain_history.py). The processes the tests start
# inherit both settings.
os.environ.setdefault("PAYLOAD_ENCRYPTION", "on")
os.environ.setdefault("PAYLOAD_ENCRYPTION_KEYS", "suite:CWxszxjalH0GMoE++tsEE/cgHIX0i1L+ebv0tCjRKv8=")

#: Directories of pure tests only: every test in them is marked ``pure``.
PURE_DIRECTORIES = tuple(Path(__file__).resolve().parent / name
                         for name in ("sla", "intake", "reports"))
#: Fixtures that start a server (or need one started): a pure test may use none of them.
#: ``any_engine`` asks for PostgreSQL as it runs, so it is named itself.
SERVER_FIXTURES = frozenset({"time_skipping_server", "dev_server", "postgres_url", "any_engine",
                             "browser", "ui_stack", "rt"})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "pure: needs no Temporal server, no database server and no browser "
                   "(`make check` runs these)")


@pytest.hookimpl(tryfirst=True)  # before ``-m pure`` selects by the marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if any(item.path.is_relative_to(directory) for directory in PURE_DIRECTORIES):
            item.add_marker(pytest.mark.pure)
    impure = [f"{item.nodeid} uses {', '.join(sorted(used))}" for item in items
              if item.get_closest_marker("pure") is not None
              and (used := SERVER_FIXTURES & set(getattr(item, "fixturenames", ())))]
    if impure:
        raise pytest.UsageError("tests marked pure ask for a server:\n  " + "\n  ".join(impure))


def _no_server(what: str) -> object:
    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError(f"a test marked pure {what}: it is not pure (drop its marker, or "
                             "move it out of tests/sla, tests/intake and tests/reports)")
    return refuse


@pytest.fixture(autouse=True)
def _pure_tests_stay_pure(request: pytest.FixtureRequest,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A pure test that starts a Temporal server, or connects to one or to PostgreSQL,
    fails at that call."""
    if request.node.get_closest_marker("pure") is None:
        return
    monkeypatch.setattr(WorkflowEnvironment, "start_time_skipping",
                        _no_server("starts Temporal's test server"))
    monkeypatch.setattr(WorkflowEnvironment, "start_local", _no_server("starts Temporal"))
    monkeypatch.setattr(DevServer, "start", _no_server("starts Temporal's dev server"))
    monkeypatch.setattr(Client, "connect", _no_server("connects to Temporal"))
    monkeypatch.setattr(psycopg.Connection, "connect", _no_server("connects to PostgreSQL"))


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
            test_server_existing_path=test_server_path(), data_converter=suite_converter())
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


@pytest_asyncio.fixture(scope="session")
async def dev_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DevServer]:
    """Temporal's dev server (search attributes registered), for the API and the real stack."""
    data = tmp_path_factory.mktemp("temporal")
    server = DevServer(data / "temporal.db", free_port(), ui_port=None,
                       log_file=data / "temporal.log")
    await server.start()
    client = await connect(Settings(temporal_address=server.address))
    await ensure_search_attributes(client, "default")
    try:
        yield server
    finally:
        server.stop()


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

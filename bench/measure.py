"""How the benchmark measures: requests at a given concurrency, each process's CPU time and
memory, and where its profile says the time went."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from bench.report import say
from codec import new_key_entry
from stack.temporal import DevServer, free_port
from store.db import make_engine
from store.keys import create_key
from store.migrations import upgrade

#: Where an idle thread waits: samples ending here are not work.
IDLE_FRAMES = ("_worker (concurrent/futures/thread.py", "EpollSelector.select",
               "Condition.wait", "Event.wait", "Thread._wait_for_tstate_lock")
#: Source folders whose functions the profile summary ranks.
OUR_CODE = ("api/", "activities/", "workflows/", "sla/", "store/", "channels/",
            "temporalio/worker/_workflow.py", "temporalio/converter/", "sqlalchemy/engine/base",
            "jinja2/environment")


async def concurrently(count: int, concurrency: int,
                       make: Callable[[int], Awaitable[Any]]) -> list[Any]:
    semaphore = asyncio.Semaphore(concurrency)

    async def one(number: int) -> Any:
        async with semaphore:
            return await make(number)

    return list(await asyncio.gather(*(one(n) for n in range(count))))


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    # After the command name: state is field 3, utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_pid(pid: int) -> int:
    """The profiled program under ``py-spy record``, or the process itself."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return pid
    return int(children[0]) if children else pid


def hot_frames(raw: Path, ours: tuple[str, ...], top: int = 12) -> list[tuple[str, float]]:
    """From py-spy's collapsed stacks: the share of busy samples (threads waiting for work
    left out) each of our functions is on the stack for (inclusive), highest first."""
    total = 0
    inclusive: dict[str, int] = {}
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        leaf = stack.rpartition(";")[2]
        if not count_text.isdigit() or not leaf.strip() or leaf.startswith(IDLE_FRAMES):
            continue
        count = int(count_text)
        total += count
        for frame in set(stack.split(";")):
            if any(f"({prefix}" in frame for prefix in ours):
                inclusive[frame] = inclusive.get(frame, 0) + count
    ranked = sorted(inclusive.items(), key=lambda item: -item[1])[:top]
    return [(frame, round(100 * count / total, 1)) for frame, count in ranked] if total else []


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def healthy(http: httpx.AsyncClient, attempts: int = 240) -> None:
    """Until the API answers /health with 200 (it is starting in its own process)."""
    for _ in range(attempts):
        try:
            if (await http.get("/health")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.25)


@dataclass
class BenchStack:
    """What a benchmark runs against, in its own directory: a Temporal dev server, a
    migrated SQLite database with an admin key, and the settings its worker and API
    processes are started with."""

    data: Path
    server: DevServer
    engine: Engine
    key: str
    env: dict[str, str]
    api_port: int
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def write_policy(self, policy: str) -> None:
        (self.data / "policy.toml").write_text(policy)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def spawn(self, command: list[str], log: str,
              env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        """Starts one of the stack's processes, its output appended to ``log`` in the
        directory."""
        process = subprocess.Popen(command, cwd=Path(__file__).resolve().parents[1],
                                   env=env or self.env, stdout=open(self.data / log, "ab"),  # noqa: SIM115
                                   stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def spawn_api(self, log: str = "api.log") -> subprocess.Popen[bytes]:
        return self.spawn([sys.executable, "-m", "uvicorn", "api.main:app", "--port",
                           str(self.api_port), "--log-level", "warning"], log)

    def stop(self, stop_signal: int = signal.SIGTERM, wait_seconds: float = 30) -> None:
        for process in self.processes:
            process.send_signal(stop_signal)
        for process in self.processes:
            try:
                process.wait(timeout=wait_seconds)
            except subprocess.TimeoutExpired:
                process.kill()
        self.server.stop()
        self.engine.dispose()


async def start_stack(data: Path, policy: str, task_queue: str,
                      **settings: str) -> BenchStack:
    """Starts the dev server, writes the policy, migrates the database and makes an admin
    key. ``settings`` are added to the processes' environment. A policy whose times count
    from the start is written again (``write_policy``) before any process is spawned."""
    server = DevServer(data / "temporal.db", free_port(), ui_port=None,
                       log_file=data / "temporal.log")
    await server.start()
    (data / "policy.toml").write_text(policy)
    database = f"sqlite:///{data / 'app.db'}"
    engine = make_engine(database)
    upgrade(engine)
    with Session(engine) as session:
        _row, key = create_key(session, "admin", "bench")
    # Encrypted payloads, as in a deployment: the codec's cost is part of what is measured.
    env = {**os.environ, "TEMPORAL_ADDRESS": server.address, "DATABASE_URL": database,
           "SLA_POLICY_FILE": str(data / "policy.toml"), "TEMPORAL_TASK_QUEUE": task_queue,
           "LOG_LEVEL": "WARNING", "PAYLOAD_ENCRYPTION": "on",
           "PAYLOAD_ENCRYPTION_KEYS": new_key_entry("bench"), **settings}
    # The workflow sandbox imports the workflow module afresh for each new ticket; without
    # bytecode files that is a compile each time, which no deployment would pay.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return BenchStack(data, server, engine, key, env, free_port())


@contextmanager
def run_directory(prefix: str, keep: bool) -> Iterator[Path]:
    """A fresh directory for one run's databases and logs, removed afterwards unless
    ``keep`` (then its path is printed, to read the logs)."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield directory
    finally:
        if keep:
            say(f"kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)

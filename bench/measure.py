"""How the benchmark measures: requests at a given concurrency, each process's CPU time and
memory, and where its profile says the time went."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

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

"""``make bench``: the stack as users run it, measured against raw Temporal in the same run.

Writes BENCHMARKS.md (figure, value, raw baseline, ratio, target) and a JSON file with
every figure and the machine's description. Scale with --lateness, --burst, --memory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from temporalio.client import Client
from temporalio.worker import Worker

from bench.baseline import Noop, SleepThenActivity, stamp
from bench.measure import (
    OUR_CODE,
    BenchStack,
    child_pid,
    concurrently,
    cpu_seconds,
    healthy,
    hot_frames,
    rss_mb,
    start_stack,
)
from bench.report import say, write_run
from stack.temporal import free_port

ROOT = Path(__file__).resolve().parents[1]
def policy_text(burst_open: datetime) -> str:
    """Plans for the run: long targets (throughput), 60s (lateness), and a calendar that
    opens at one instant so every burst ticket breaches in the same second."""
    day = burst_open.strftime("%A").lower()
    opening = f"{burst_open:%H:%M}-23:59"
    # Warnings at 75 %: a warning a fraction of a second before its breach would leave the
    # breach on a timer shorter than the server's floor of about one second.
    return f"""
warn_at = 0.75
unassigned = "duty"

[calendars.burst]
time_zone = "UTC"
{day} = ["{opening}"]

[plans.quiet]
first_response = "24h"
escalation = ["duty"]

[plans.spread]
first_response = {{ critical = "60s", major = "24h", minor = "24h" }}
resolution = "24h"
escalation = ["duty"]

[plans.burst]
calendar = "burst"
first_response = {{ critical = "0.5 business minutes", major = "24h", minor = "24h" }}
resolution = "24h"
escalation = ["duty"]

[contacts.duty]
name = "Duty engineer"
email = "duty@example.com"
"""


class Bench:
    def __init__(self, args: argparse.Namespace, data: Path) -> None:
        self.args = args
        self.data = data
        self.figures: list[dict[str, Any]] = []
        #: CPU seconds each process used in each phase: where the machine's time went.
        self.cpu: dict[str, dict[str, float]] = {}
        self.roles: dict[str, int] = {}
        self.profiles: dict[str, list[tuple[str, float]]] = {}

    def figure(self, name: str, value: float, unit: str, baseline: float | None = None,
               target: str = "", lower_is_better: bool = True) -> None:
        ratio = value / baseline if baseline else None
        self.figures.append({"figure": name, "value": round(value, 3), "unit": unit,
                             "baseline": round(baseline, 3) if baseline else None,
                             "ratio": round(ratio, 3) if ratio else None, "target": target})
        say(f"{name}: {value:.3f} {unit}" + (f" (baseline {baseline:.3f}, ratio {ratio:.2f})"
                                              if ratio else ""))

    def spawn(self, stack: BenchStack, command: list[str], env: dict[str, str],
              log: str) -> subprocess.Popen[bytes]:
        if self.args.profile:
            command = [str(Path(sys.executable).with_name("py-spy")), "record", "--rate", "50",
                       "--format", "raw", "-o", str(self.data / f"{Path(log).stem}.profile"),
                       "--", *command]
        return stack.spawn(command, log, env)

    def usage(self) -> dict[str, float]:
        return {role: cpu_seconds(pid) for role, pid in self.roles.items()}

    async def phase(self, name: str, work: Awaitable[None]) -> None:
        before = self.usage()
        started = time.perf_counter()
        await work
        after = self.usage()
        self.cpu[name] = {"wall": round(time.perf_counter() - started, 1), **{
            role: round(after[role] - before.get(role, 0), 1) for role in after}}
        say(f"CPU seconds in {name}: {self.cpu[name]}")

    async def run(self) -> None:
        args = self.args
        # Messages go to the log (status "logged"): the bench measures our side only.
        stack = await start_stack(self.data, "", "bench", WORKER_WAIT_SECONDS="30",
                                  LOG_DELIVERY="true")
        server, engine, env, api_port = stack.server, stack.engine, stack.env, stack.api_port
        # At least the lead away once the server is up, on a whole minute (opening hours are
        # written in minutes).
        burst_open = (datetime.now(UTC) + timedelta(minutes=args.burst_lead_minutes + 1)).replace(
            second=0, microsecond=0)
        stack.write_policy(policy_text(burst_open))
        # Metrics on, as deployed: each worker process on a port of its own.
        workers = [self.spawn(stack, [sys.executable, "worker.py"],
                              {**env, "WORKER_METRICS_PORT": str(free_port())}, f"worker{n}.log")
                   for n in range(args.workers)]
        api = self.spawn(stack, [sys.executable, "-m", "uvicorn", "api.main:app", "--port",
                          str(api_port), "--log-level", "warning"], env, "api.log")
        assert server.process is not None
        await asyncio.sleep(1)  # py-spy starts its child first
        self.roles = {"temporal server": server.process.pid, "API": child_pid(api.pid),
                      **{f"worker {n}": child_pid(w.pid) for n, w in enumerate(workers)},
                      "harness": os.getpid()}
        base = f"http://127.0.0.1:{api_port}"
        client = await Client.connect(server.address)
        try:
            async with httpx.AsyncClient(base_url=base, timeout=120,
                                         headers={"Authorization": f"Bearer {stack.key}"}) as http:
                await healthy(http)
                customers = {}
                for plan in ("quiet", "spread", "burst"):
                    customers[plan] = (await http.post("/customers", json={
                        "name": f"Bench {plan}", "plan": plan})).json()["id"]

                async def open_ticket(plan: str, severity: str, asynchronous: bool = False) -> str:
                    # A request whose connection dropped (the server closing an idle
                    # keep-alive connection just as it is reused) is sent again. Without an
                    # Idempotency-Key, to measure the same path as earlier runs: a rare
                    # second ticket is one more throwaway ticket.
                    headers = {"Prefer": "respond-async"} if asynchronous else {}
                    body = {"customer_id": customers[plan], "subject": f"bench {uuid.uuid4()}",
                            "description": "benchmark", "severity": severity, "force_new": True}
                    for attempt in range(3):
                        try:
                            response = await http.post("/tickets", json=body, headers=headers)
                            break
                        except httpx.TransportError:
                            if attempt == 2:
                                raise
                    response.raise_for_status()
                    ticket_id: str = response.json()["id"]
                    return ticket_id

                async with Worker(client, task_queue="bench-baseline",
                                  workflows=[Noop, SleepThenActivity], activities=[stamp]):
                    await self.phase("creation", self.creation(client, open_ticket))
                    await self.top_up(open_ticket, args.memory_small)
                    self.memory(workers, self.opened)
                    await self.phase("burst", self.burst(client, open_ticket, burst_open,
                                                         engine))
                    await self.phase("bare burst", self.bare_burst(client))
                    await self.per_ticket_life(client)
                    if args.memory_large:
                        # Lateness is measured with that many tickets open, in the worker's
                        # reach (more than its cache holds: some are rebuilt from history).
                        await self.top_up(open_ticket, args.memory_large)
                        self.memory(workers, self.opened)
                    await self.phase("lateness", self.lateness(client, open_ticket, engine))
        finally:
            # py-spy writes its profile on SIGINT; the programs stop on it too.
            stack.stop(signal.SIGINT if self.args.profile else signal.SIGTERM, wait_seconds=60)
        if self.args.profile:
            for profile in sorted(self.data.glob("*.profile")):
                self.profiles[profile.stem] = hot_frames(profile, OUR_CODE)
                say(f"hottest frames of ours in {profile.stem}:")
                for frame, share in self.profiles[profile.stem]:
                    say(f"  {share:5.1f}%  {frame}")

    opened = 0

    async def top_up(self, open_ticket: Callable[[str, str], Awaitable[str]],
                     total: int) -> None:
        """Open quiet tickets (24h targets) until ``total`` are open, then let them settle
        on their timers."""
        if total > self.opened:
            say(f"opening {total - self.opened} more tickets to reach {total} ...")
            await concurrently(total - self.opened, self.args.concurrency,
                               lambda _n: open_ticket("quiet", "minor"))
            self.opened = total
        await asyncio.sleep(10)

    async def creation(self, client: Client,
                       open_ticket: Callable[..., Awaitable[str]]) -> None:
        count, concurrency = self.args.creation, self.args.concurrency
        say(f"creation throughput: {count} tickets at concurrency {concurrency} ...")
        started = time.perf_counter()
        await concurrently(count, concurrency, lambda _n: open_ticket("quiet", "minor"))
        product = count / (time.perf_counter() - started)
        say(f"creation throughput with Prefer: respond-async: {count} tickets ...")
        started = time.perf_counter()
        await concurrently(count, concurrency, lambda _n: open_ticket("quiet", "minor", True))
        answered_early = count / (time.perf_counter() - started)
        self.opened += 2 * count
        say(f"bare start_workflow: {count} workflows ...")
        started = time.perf_counter()
        await concurrently(count, concurrency, lambda n: client.start_workflow(
            Noop.run, id=f"noop-{uuid.uuid4()}", task_queue="bench-baseline"))
        bare = count / (time.perf_counter() - started)
        self.figure("creation throughput (POST /tickets, answered once written)", product,
                    "tickets/s", bare, ">= 0.5 x bare start_workflow")
        self.figure("creation throughput (POST /tickets, Prefer: respond-async)",
                    answered_early, "tickets/s", bare, ">= 0.9 x bare start_workflow")

    async def burst(self, client: Client, open_ticket: Callable[[str, str], Awaitable[str]],
                    opens: datetime, engine: Any) -> None:
        count = self.args.burst
        say(f"burst: {count} tickets whose clocks all start at {opens:%H:%M:%S} UTC ...")
        ids = await concurrently(count, self.args.concurrency,
                                 lambda _n: open_ticket("burst", "critical"))
        self.burst_tickets = ids[:20]
        self.opened += count
        due = opens + timedelta(seconds=30)
        if datetime.now(UTC) >= opens:
            say("the burst tickets were not all open before the calendar opened: "
                "raise --burst-lead-minutes")
        query = text("SELECT max(sent_at), count(*) FROM outboxmessage o JOIN ticket t "
                     "ON t.id = o.ticket_id WHERE o.kind = 'escalation' AND t.plan = 'burst'")
        for _ in range(1200):
            with engine.connect() as connection:
                last, escalated = connection.execute(query).one()
            if escalated >= count:
                break
            await asyncio.sleep(0.5)
        last_sent = datetime.fromisoformat(str(last)).replace(tzinfo=UTC)
        self.burst_cleared = (last_sent - due).total_seconds()

    burst_cleared = 0.0
    burst_tickets: list[str] = []
    bare_burst_workflows: list[str] = []

    async def bare_burst(self, client: Client) -> None:
        """The same number of bare workflows sleeping to one instant, each then running one
        activity; on its own, so the two bursts do not compete for the machine."""
        count = self.args.burst
        due = datetime.now(UTC) + timedelta(seconds=max(30, count // 20))
        say(f"bare burst: {count} workflows sleeping until {due:%H:%M:%S} UTC ...")
        handles = await concurrently(count, self.args.concurrency, lambda _n: client.start_workflow(
            SleepThenActivity.run, due.isoformat(), id=f"burst-{uuid.uuid4()}",
            task_queue="bench-baseline"))
        if datetime.now(UTC) >= due:
            say("the bare workflows were not all started before their instant")
        results = await asyncio.gather(*(handle.result() for handle in handles))
        self.bare_burst_workflows = [handle.id for handle in handles[:20]]
        bare = (max(datetime.fromisoformat(r) for r in results) - due).total_seconds()
        self.figure(f"burst: {count} breaches in one second, cleared after",
                    self.burst_cleared, "s", bare, "<= 3 x bare timer + activity")

    async def per_ticket_life(self, client: Client) -> None:
        """What one ticket's life in the burst (created, warned, breached, escalated) cost,
        against one bare workflow (started, slept, ran its activity): the worker's CPU, the
        server's CPU and the history events the server wrote. The bare workflows' worker runs
        in this harness, so the harness's CPU (it started them too) is their worker's."""
        count, burst, bare = self.args.burst, self.cpu["burst"], self.cpu["bare burst"]
        ours = sum(used for role, used in burst.items() if role.startswith("worker "))
        self.figure("worker CPU per ticket life (create, warn, breach, escalate)",
                    1000 * ours / count, "ms", 1000 * bare["harness"] / count,
                    "<= 31 ms (a third of the 93 ms first measured)")
        self.figure("Temporal server CPU per ticket life", 1000 * burst["temporal server"] / count,
                    "ms", 1000 * bare["temporal server"] / count, "")

        async def median_events(workflow_ids: list[str]) -> float:
            counts = [len((await client.get_workflow_handle(workflow_id).fetch_history()).events)
                      for workflow_id in workflow_ids]
            say(f"history events of {workflow_ids[0]} and {len(counts) - 1} more: {counts}")
            return statistics.median(counts)

        self.figure("history events per ticket life (median of 20)",
                    await median_events(self.burst_tickets), "events",
                    await median_events(self.bare_burst_workflows), "")

    async def lateness(self, client: Client, open_ticket: Callable[[str, str], Awaitable[str]],
                       engine: Any) -> None:
        count, window = self.args.lateness, self.args.spread_seconds
        say(f"escalation lateness: {count} tickets due 60 s after they open, opened evenly "
            f"over {window} s ...")
        started = time.perf_counter()

        async def paced(number: int) -> str:
            # Ticket n opens at n/count of the window, so deadlines fall evenly across it.
            await asyncio.sleep(max(0.0, started + number * window / count
                                    - time.perf_counter()))
            return await open_ticket("spread", "critical")

        ids = await concurrently(count, max(self.args.concurrency, 64), paced)
        self.opened += count
        query = text("SELECT o.sent_at, t.first_response_due FROM outboxmessage o JOIN ticket t "
                     "ON t.id = o.ticket_id WHERE o.kind = 'sla_breach' AND t.plan = 'spread' "
                     "AND o.status IN ('sent', 'logged')")
        for _ in range(1200):
            with engine.connect() as connection:
                rows = connection.execute(query).all()
            if len(rows) >= len(ids):
                break
            await asyncio.sleep(0.5)
        late = sorted((datetime.fromisoformat(str(sent)) - datetime.fromisoformat(str(due))
                       ).total_seconds() for sent, due in rows)
        quantiles = statistics.quantiles(late, n=100)
        bare = await self.bare_lateness(client, count / window)
        rate = f"{count / window:.1f} breaches/s, {self.opened} tickets open"
        self.figure(f"escalation lateness p50 ({rate})", quantiles[49], "s", bare[49], "")
        self.figure(f"escalation lateness p99 ({rate})", quantiles[98], "s", bare[98], "<= 1 s")
        self.figure(f"escalation lateness max ({rate})", late[-1], "s", bare[-1], "")

    async def bare_lateness(self, client: Client, rate: float) -> list[float]:
        """Bare workflows sleeping 60 s, then one activity, started at the same rate for a
        minute: how late raw Temporal is on this machine. Percentiles 1-99, then the max."""
        count = max(2, int(rate * 60))
        say(f"bare lateness: {count} bare workflows at {rate:.1f}/s, each due 60 s later ...")
        started = time.perf_counter()

        async def paced(number: int) -> tuple[datetime, Any]:
            await asyncio.sleep(max(0.0, started + number / rate - time.perf_counter()))
            due = datetime.now(UTC) + timedelta(seconds=60)
            handle = await client.start_workflow(
                SleepThenActivity.run, due.isoformat(), id=f"late-{uuid.uuid4()}",
                task_queue="bench-baseline")
            return due, handle

        started_workflows = await concurrently(count, 64, paced)
        results = await asyncio.gather(*(handle.result() for _due, handle in started_workflows))
        late = sorted((datetime.fromisoformat(result) - due).total_seconds()
                      for (due, _handle), result in zip(started_workflows, results, strict=True))
        return [*statistics.quantiles(late, n=100), late[-1]]

    first_rss: float | None = None

    def memory(self, workers: list[subprocess.Popen[bytes]], open_count: int) -> None:
        """Worker RSS; the second measurement is compared with the first."""
        total = sum(rss_mb(child_pid(worker.pid)) for worker in workers)
        self.figure(f"worker RSS with {open_count} open tickets", total, "MB", self.first_rss,
                    "10,000 <= 1.2 x 1,000" if self.first_rss else "")
        self.first_rss = self.first_rss or total


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--creation", type=int, default=300, help="tickets for throughput")
    parser.add_argument("--lateness", type=int, default=1000, help="tickets for lateness")
    parser.add_argument("--burst", type=int, default=1000, help="tickets breaching at once")
    parser.add_argument("--spread-seconds", type=int, default=300,
                        help="the window the lateness tickets' deadlines are spread over")
    parser.add_argument("--memory-small", type=int, default=1000,
                        help="worker RSS is measured with this many open tickets")
    parser.add_argument("--memory-large", type=int, default=0,
                        help="and again with this many (e.g. 10000), before lateness is "
                             "measured with them open")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--burst-lead-minutes", type=int, default=2)
    parser.add_argument("--suite", action="store_true", help="also time `make test`")
    parser.add_argument("--profile", action="store_true",
                        help="run the worker and the API under py-spy and rank the hottest "
                             "frames of our code (slows them down: figures are not comparable)")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--json", default=str(ROOT / "benchmarks.json"))
    parser.add_argument("--keep", action="store_true",
                        help="keep the run's directory (logs, databases) for profiling")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="sla-bench-"))
    try:
        bench = Bench(args, directory)
        asyncio.run(bench.run())
    finally:
        if args.keep:
            say(f"kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    suite = None
    if args.suite:
        say("timing make test ...")
        started = time.perf_counter()
        # Not the jobserver of the `make bench` that may have started us.
        env = {name: value for name, value in os.environ.items()
               if name not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
        run = subprocess.run(["make", "test"], cwd=ROOT, check=False, capture_output=True,
                             text=True, env=env)
        suite = time.perf_counter() - started
        if run.returncode != 0:
            say(f"make test failed ({run.returncode}); not recorded:\n{run.stdout[-2000:]}"
                f"{run.stderr[-2000:]}")
            suite = None
    write_run(bench, args, suite)


if __name__ == "__main__":
    main()

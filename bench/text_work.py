"""``make bench-text``: secret masking and duplicate matching of texts built to make a
backtracking expression retry its run from every position, and what they do to the API's
other requests.

First in this process: each text of 100,000 characters is masked
(``intake.secrets.mask_secrets``) and matched against an open ticket with the same text
(``intake.duplicates.closest``, both read afresh), best of three runs each. Then the stack
runs as separate processes (Temporal dev server, worker, API served by uvicorn), and
``/health`` and a missing page (the event loop's round trip) are asked every 20 ms over
HTTP: idle, then while POST /tickets requests, each carrying 100,000 characters (20,000 in
its description, the rest in 40 intake fields), and POST /inbound/email requests, each with
100,000 in its text, are answered a few at a time, first of a plain support mail, then of
those texts. Target: ``/health`` p99 under 100 ms. Adds a section to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from bench.measure import concurrently, healthy, run_directory, start_stack
from bench.report import machine, prepend_section, say
from intake.duplicates import closest
from intake.secrets import mask_secrets

ROOT = Path(__file__).resolve().parents[1]
SIZE = 100_000
#: Long targets: nothing breaches or escalates while the bench runs.
POLICY = """
warn_at = 0.5
unassigned = "duty"

[plans.text]
first_response = "24h"
resolution = "72h"
escalation = ["duty"]

[contacts.duty]
name = "Duty engineer"
email = "duty@example.com"
"""
#: /health is asked this often, idle and under load.
PROBE_EVERY = 0.02
TARGET_P99 = 0.1


def repeated(unit: str, size: int = SIZE) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def credentials_dump(size: int = SIZE) -> str:
    lines = (f"https://user{n}:pass{n:06d}word@host{n}.example.com/" for n in range(size))
    return "\n".join(lines)[:size]


#: The texts, by what the table calls them: each makes some expression of the masking or
#: of the duplicate matching start over at every position when it backtracks.
TEXTS: dict[str, Callable[[int], str]] = {
    '"sk-" repeated (OpenAI key)': lambda size: repeated("sk-", size),
    '"eyJ-" repeated (JWT)': lambda size: repeated("eyJ-", size),
    '"eyJaaaaaaaa." repeated (JWT)': lambda size: repeated("eyJaaaaaaaa.", size),
    "private key header repeated, no end": lambda size: repeated(
        "-----BEGIN PRIVATE KEY-----", size),
    '"https://u:" repeated (credentials in URLs)': lambda size: repeated("https://u:", size),
    '"xoxb-" repeated (Slack token)': lambda size: repeated("xoxb-", size),
    '"password=" repeated': lambda size: repeated("password=", size),
    '"пароль " repeated': lambda size: repeated("пароль ", size),
    "credentials in URLs, one a line (a dump)": credentials_dump,
    "letters only (identifiers)": lambda size: repeated("a", size),
    '"-a" repeated (identifiers)': lambda size: repeated("-a", size),
    '"a.bc/" repeated (hosts in one run)': lambda size: repeated("a.bc/", size),
}


def best_of(runs: int, work: Callable[[], Any]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def text_work() -> list[tuple[str, float, float]]:
    """(text, masking seconds, duplicate matching seconds) for each text."""
    rows = []
    for name, make in TEXTS.items():
        text = make(SIZE)
        masking = best_of(3, partial(mask_secrets, text))
        # Each run reads two texts it has not read before (what it has read, it keeps).
        matching = min(best_of(1, partial(closest, f"{text} {'q' * run}", [
            ("TCK-1", f"{text} {'q' * run} ")], 0.5)) for run in range(3))
        say(f"{name}: masking {masking * 1000:.1f} ms, duplicate matching "
            f"{matching * 1000:.1f} ms")
        rows.append((name, masking, matching))
    return rows


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the value ``share`` of the samples are at or below."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def probe(http: httpx.AsyncClient, stop: asyncio.Event) -> dict[str, list[float]]:
    """Until ``stop``, every ``PROBE_EVERY``: /health's latency, and a page that does not
    exist (a 404: the event loop's round trip alone, without /health's database ping in a
    thread and its call to Temporal)."""
    latencies: dict[str, list[float]] = {"health": [], "loop": []}
    while not stop.is_set():
        for kind, path in (("health", "/health"), ("loop", "/no-such-page")):
            started = time.perf_counter()
            response = await http.get(path)
            latencies[kind].append(time.perf_counter() - started)
            if kind == "health":
                response.raise_for_status()
        await asyncio.sleep(PROBE_EVERY)
    return latencies


#: What the "plain" phase sends: a support mail of the same size, with the dates, ids,
#: hosts and addresses mails hold, and no secret.
PLAIN = ("Since the update on 2026-03-06 our webhooks to https://hooks.example.com/incoming "
         "time out after 30 seconds; order ORD-7781 and account 4471 are affected, write to "
         "ops@acme.example for the logs. ")


class Phase:
    """Requests of one kind of text, each kind from a customer of its own (so each
    ticket is matched against the open tickets of its phase only)."""

    def __init__(self, http: httpx.AsyncClient, customer_id: int, address: str,
                 texts: list[Callable[[int], str]]) -> None:
        self.http, self.customer_id, self.address, self.texts = http, customer_id, address, texts
        self.latencies: dict[str, list[float]] = {"tickets": [], "mails": []}

    async def measured(self, kind: str, request: Awaitable[httpx.Response]) -> None:
        started = time.perf_counter()
        response = await request
        self.latencies[kind].append(time.perf_counter() - started)
        response.raise_for_status()

    async def ticket(self, number: int) -> None:
        """100,000 characters: 20,000 in the description, 80,000 in 40 intake fields."""
        make = self.texts[number % len(self.texts)]
        await self.measured("tickets", self.http.post("/tickets", json={
            "customer_id": self.customer_id, "severity": "minor",
            "subject": f"Webhooks fail ({number})", "description": make(20_000),
            "intake": {f"attachment_{n}": make(2_000) for n in range(40)}}))

    async def mail(self, number: int) -> None:
        await self.measured("mails", self.http.post("/inbound/email", json={
            "from": f"Ops <{self.address}>", "subject": f"Webhooks fail ({number})",
            "message-id": f"<{number}.{self.customer_id}@text.example>",
            "text": self.texts[number % len(self.texts)](SIZE)}))

    async def run(self, args: argparse.Namespace, prober: httpx.AsyncClient) -> dict[str, list[float]]:
        stop = asyncio.Event()
        probing = asyncio.create_task(probe(prober, stop))
        await asyncio.gather(concurrently(args.tickets, args.concurrency, self.ticket),
                             concurrently(args.mails, args.concurrency, self.mail))
        stop.set()
        return {**await probing, **self.latencies}


async def under_load(args: argparse.Namespace, data: Path) -> dict[str, dict[str, list[float]]]:
    """Latencies (seconds) by phase (idle, plain text, adversarial text): /health, the
    event loop's round trip, and each loaded request."""
    stack = await start_stack(data, POLICY, "text", WORKER_METRICS_PORT="0",
                              LOG_DELIVERY="true")
    stack.spawn([sys.executable, "worker.py"], "worker.log")
    stack.spawn_api()
    results: dict[str, dict[str, list[float]]] = {}
    try:
        headers = {"Authorization": f"Bearer {stack.key}"}
        async with httpx.AsyncClient(base_url=stack.base_url, timeout=120,
                                     headers=headers) as http, \
                httpx.AsyncClient(base_url=stack.base_url, timeout=120,
                                  headers=headers) as prober:
            await healthy(http)

            async def phase(name: str, texts: list[Callable[[int], str]]) -> Phase:
                address = f"ops@{name}.example"
                customer = (await http.post("/customers", json={
                    "name": f"Bench {name}", "plan": "text", "email": address})).json()
                return Phase(http, customer["id"], address, texts)

            plain = await phase("plain", [lambda size: repeated(PLAIN, size)])
            adversarial = await phase("adversarial", list(TEXTS.values()))
            # Each path once before anything is measured: its first request imports and
            # compiles what it uses, on the event loop.
            warm = await phase("warm", [lambda size: repeated(PLAIN, size)])
            await warm.ticket(0)
            await warm.mail(0)
            say("/health idle ...")
            stop = asyncio.Event()
            idle = asyncio.create_task(probe(prober, stop))
            await asyncio.sleep(args.idle_seconds)
            stop.set()
            results["idle"] = await idle
            for name, loaded in (("plain text", plain), ("adversarial text", adversarial)):
                say(f"/health while {args.tickets} tickets and {args.mails} mails of "
                    f"100,000 characters of {name} are answered, {args.concurrency} of each "
                    "at a time ...")
                results[name] = await loaded.run(args, prober)
    finally:
        stack.stop()
    return results


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.text_work", description=__doc__)
    parser.add_argument("--tickets", type=int, default=144,
                        help="POST /tickets requests, each with 100,000 characters of a text")
    parser.add_argument("--mails", type=int, default=72,
                        help="POST /inbound/email requests, each with 100,000 characters")
    parser.add_argument("--concurrency", type=int, default=2,
                        help="requests of each kind in flight at once")
    parser.add_argument("--idle-seconds", type=float, default=5)
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--keep", action="store_true",
                        help="keep the run's directory (logs, databases)")
    args = parser.parse_args()
    rows = text_work()
    with run_directory("sla-bench-text-", args.keep) as directory:
        latencies = asyncio.run(under_load(args, directory))
    phases = list(latencies)
    adversarial = latencies["adversarial text"]
    say(f"/health under adversarial load: p50 {ms(statistics.median(adversarial['health']))}, "
        f"p99 {ms(percentile(adversarial['health'], 0.99))}")
    about = machine()
    lines = [f"## Text work on adversarial input: run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
             "", f"Machine: {about['platform']}, {about['cpus']} CPUs, Python {about['python']}.",
             f"Each text is {SIZE:,} characters; masking is `mask_secrets`, duplicate matching "
             "is `closest` against one open ticket with the same text (both read afresh), best "
             "of three runs.", "",
             "| text | masking | duplicate matching |", "| --- | --- | --- |"]
    lines += [f"| {name} | {ms(masking)} | {ms(matching)} |" for name, masking, matching in rows]
    lines += ["", "The API over HTTP (uvicorn; worker and Temporal dev server as separate "
              f"processes on the same machine), asked every {PROBE_EVERY * 1000:.0f} ms for "
              "/health and for a page that does not exist (a 404: the event loop's round trip "
              "alone, without /health's database ping in a thread and its call to Temporal): "
              f"idle, then while {args.tickets} POST /tickets (20,000 characters in the "
              f"description, 80,000 in 40 intake fields) and {args.mails} POST /inbound/email "
              f"(100,000 in the text) are answered, {args.concurrency} of each at a time: "
              "first of a plain support mail, then of the texts above in turn.", "",
              "| figure | " + " | ".join(phases) + " | target |",
              "| --- | " + " | ".join("---" for _ in phases) + " | --- |"]

    def row(figure: str, kind: str, value: Callable[[list[float]], float],
            target: str = "-") -> str:
        cells = [ms(value(latencies[phase][kind])) if latencies[phase].get(kind) else "-"
                 for phase in phases]
        return f"| {figure} | " + " | ".join(cells) + f" | {target} |"

    lines += [
        row("/health p50", "health", statistics.median),
        row("/health p99", "health", lambda values: percentile(values, 0.99),
            f"< {ms(TARGET_P99)}"),
        row("/health max", "health", max),
        row("event loop round trip (404) p50", "loop", statistics.median),
        row("event loop round trip (404) p99", "loop", lambda values: percentile(values, 0.99)),
        row("POST /tickets, 100,000 characters, p50", "tickets", statistics.median),
        row("POST /tickets, 100,000 characters, max", "tickets", max),
        row("POST /inbound/email, 100,000 characters, p50", "mails", statistics.median),
        row("POST /inbound/email, 100,000 characters, max", "mails", max),
        "| /health requests measured | " + " | ".join(
            str(len(latencies[phase]["health"])) for phase in phases) + " | - |"]
    prepend_section(Path(args.out), "\n".join(lines) + "\n")
    say(f"wrote {args.out}")


if __name__ == "__main__":
    main()

"""``make bench-kill``: how late escalations go out when the worker dies while sending them.

The stack runs as separate processes (Temporal dev server, worker, API) and email goes to
a real SMTP server that takes ``--send-seconds`` to accept each message. Two waves of
critical tickets breach together: the first as the control, the second with the worker
killed (SIGKILL) while its escalations are being sent and started again at once, as a
process supervisor would. A send cut short is retried once its heartbeats stop (5 s);
without heartbeats it would wait out the 30 s start-to-close timeout. Adds a section to
BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, text

from bench.measure import BenchStack, healthy, run_directory, start_stack
from bench.report import machine, prepend_section, say
from store.models import as_utc
from tests.support.servers import SmtpRecorder, smtp_server

ROOT = Path(__file__).resolve().parents[1]
POLICY = """
warn_at = 0.5
unassigned = "duty"

[plans.kill]
first_response = { critical = "30s", major = "24h", minor = "24h" }
resolution = "24h"
escalation = ["duty"]

[contacts.duty]
name = "Duty engineer"
email = "duty@example.com"
"""


#: The worker, as started and as started again after the kill.
WORKER_COMMAND = [sys.executable, "worker.py"]


async def open_wave(http: httpx.AsyncClient, customer_id: int, count: int) -> list[str]:
    semaphore = asyncio.Semaphore(20)

    async def one() -> str:
        async with semaphore:
            response = await http.post("/tickets", json={
                "customer_id": customer_id, "severity": "critical", "force_new": True,
                "subject": f"bench {uuid.uuid4()}", "description": "worker kill benchmark"})
            response.raise_for_status()
            ticket_id: str = response.json()["id"]
            return ticket_id

    return list(await asyncio.gather(*(one() for _ in range(count))))


def escalations(engine: Engine, ids: list[str]) -> list[tuple[str, datetime, datetime, int]]:
    """(ticket, due, sent, attempts) of each escalation of these tickets already sent."""
    wanted = set(ids)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT t.id, t.first_response_due, o.sent_at, o.attempts FROM outboxmessage o "
            "JOIN ticket t ON t.id = o.ticket_id WHERE o.kind = 'escalation' "
            "AND o.status = 'sent'")).all()
    return [(ticket, as_utc(_instant(due)), as_utc(_instant(sent)), attempts)
            for ticket, due, sent, attempts in rows if ticket in wanted]


def _instant(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


async def all_escalated(engine: Engine, ids: list[str],
                        timeout: float = 600) -> list[tuple[str, datetime, datetime, int]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = escalations(engine, ids)
        if len(done) >= len(ids):
            return done
        await asyncio.sleep(0.5)
    raise RuntimeError(f"only {len(escalations(engine, ids))} of {len(ids)} escalated")


def lateness(done: list[tuple[str, datetime, datetime, int]]) -> list[float]:
    return sorted((sent - due).total_seconds() for _t, due, sent, _a in done)


async def run(args: argparse.Namespace, data: Path) -> list[tuple[str, str, str]]:
    async with smtp_server() as (mailbox, smtp_port):
        mailbox.accept_after = args.send_seconds
        stack = await start_stack(data, POLICY, "kill", WORKER_METRICS_PORT="0",
                                  LOG_DELIVERY="true", SMTP_HOST="127.0.0.1",
                                  SMTP_PORT=str(smtp_port))
        engine = stack.engine
        try:
            stack.spawn(WORKER_COMMAND, "worker.log")
            stack.spawn_api()
            async with httpx.AsyncClient(base_url=stack.base_url, timeout=60,
                                         headers={"Authorization": f"Bearer {stack.key}"}) as http:
                await healthy(http)
                customer_id = (await http.post("/customers", json={
                    "name": "Bench kill", "plan": "kill"})).json()["id"]
                say(f"control: {args.tickets} critical tickets, no kill ...")
                control = lateness(await all_escalated(engine, await open_wave(
                    http, customer_id, args.tickets)))
                say(f"killed: {args.tickets} critical tickets, the worker killed while it "
                    "sends their escalations ...")
                ids = await open_wave(http, customer_id, args.tickets)
            killed_at = await kill_mid_send(stack, ids, mailbox)
            done = await all_escalated(engine, ids)
        finally:
            stack.stop()
    killed = lateness(done)
    cut = {ticket for ticket, _d, _s, attempts in done if attempts > 1}
    # When each message reached the mail server again after the kill (its retry's send).
    again = [at - killed_at for message_id, at in mailbox.arrived
             if at > killed_at and sum(1 for m, _ in mailbox.arrived if m == message_id) > 1]
    say(f"control lateness max {control[-1]:.1f} s, killed {killed[-1]:.1f} s; {len(cut)} "
        f"escalations cut short, retried at most {max(again, default=0):.1f} s after the kill")
    return [
        ("escalation lateness p50, worker killed mid-send", f"{statistics.median(killed):.2f} s",
         f"{statistics.median(control):.2f} s"),
        ("escalation lateness max, worker killed mid-send", f"{killed[-1]:.2f} s",
         f"{control[-1]:.2f} s"),
        ("escalations cut short by the kill (sent by a second attempt)", f"{len(cut)}", "-"),
        ("a cut-short message reached the mail server again, at most",
         f"{max(again, default=0):.2f} s after the kill", "30 s start-to-close without "
         "heartbeats"),
    ]


async def kill_mid_send(stack: BenchStack, ids: list[str], mailbox: SmtpRecorder) -> float:
    """Waits for the wave's first escalation to reach the mail server, lets the sends pile up
    for a moment, then SIGKILLs the worker and starts a new one at once."""
    arrived_before = len(mailbox.arrived)
    with stack.engine.connect() as connection:
        due = min(as_utc(_instant(row_due)) for ticket, row_due in connection.execute(text(
            "SELECT id, first_response_due FROM ticket")) if ticket in ids and row_due)
    while time.time() < due.timestamp() or len(mailbox.arrived) == arrived_before:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    worker = stack.processes[0]
    worker.kill()
    worker.wait()
    killed_at = time.time()
    say(f"killed the worker {killed_at - due.timestamp():.1f} s after the first due time; "
        f"{len(ids)} tickets in the wave")
    stack.processes.remove(worker)
    stack.spawn(WORKER_COMMAND, "worker.log")
    return killed_at


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.worker_kill", description=__doc__)
    parser.add_argument("--tickets", type=int, default=100, help="tickets in each wave")
    parser.add_argument("--send-seconds", type=float, default=2.0,
                        help="how long the mail server takes to accept a message")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--keep", action="store_true",
                        help="keep the run's directory (logs, databases)")
    args = parser.parse_args()
    with run_directory("sla-bench-kill-", args.keep) as directory:
        figures = asyncio.run(run(args, directory))
    about = machine()
    lines = [f"## Worker killed mid-send: run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC", "",
             f"Machine: {about['platform']}, {about['cpus']} CPUs, Python {about['python']}.",
             f"Two waves of {args.tickets} critical tickets breaching together; the mail "
             f"server takes {args.send_seconds} s to accept each message. The worker is "
             "killed (SIGKILL) while it sends the second wave's escalations and started "
             "again at once.", "",
             "| figure | value | same run, no kill |", "| --- | --- | --- |"]
    lines += [f"| {name} | {value} | {control} |" for name, value, control in figures]
    prepend_section(Path(args.out), "\n".join(lines) + "\n")
    say(f"wrote {args.out}")


if __name__ == "__main__":
    main()

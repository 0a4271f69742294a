"""What every benchmark shares: progress lines, the machine's description, and
BENCHMARKS.md, where each run adds its section on top."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stack.temporal import temporal_cli

HEADER = ("# Benchmarks\n\nWritten by `make bench` (`python -m bench --help` for the options), "
          "`make bench-kill` (`python -m bench.worker_kill`), `make bench-steps` "
          "(`python -m bench.steps`) and `make bench-text` (`python -m bench.text_work`). "
          "Newest run first.\n\n")


def say(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def machine() -> dict[str, Any]:
    cli = subprocess.run([temporal_cli(), "--version"], capture_output=True, text=True).stdout
    return {"platform": platform.platform(), "python": platform.python_version(),
            "cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
            "temporal": cli.strip()}


def prepend_section(path: Path, section: str) -> None:
    """Puts a run's section first, under the file's header (older headers included)."""
    previous = path.read_text() if path.exists() else ""
    if previous.startswith("# Benchmarks\n"):
        previous = previous.split("\n\n", 2)[2] if previous.count("\n\n") >= 2 else ""
    path.write_text(HEADER + section + ("\n" + previous if previous else ""))


def write_run(bench: Any, args: argparse.Namespace, suite_seconds: float | None) -> None:
    """``make bench``'s section: the figures against their baselines, and the CPU each
    process spent in each phase (``bench`` is the run's ``Bench``)."""
    if suite_seconds is not None:
        bench.figure("full test suite (make test), wall time", suite_seconds, "s")
    about = machine()
    results = {"machine": about, "workers": args.workers, "figures": bench.figures,
               "cpu_seconds_by_phase": bench.cpu, "profiles": bench.profiles,
               "date": datetime.now(UTC).isoformat()}
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    lines = [
        f"## Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {args.workers} worker process(es)",
        "",
        f"Machine: {about['platform']}, {about['cpus']} CPUs, Python {about['python']}, "
        f"{about['temporal'].splitlines()[0] if about['temporal'] else 'temporal CLI'}.",
        f"Scale: creation {args.creation}, lateness {args.lateness} over "
        f"{args.spread_seconds} s, burst {args.burst}, concurrency {args.concurrency}.",
        "",
        "| figure | value | raw baseline (same run) | ratio | target |",
        "| --- | --- | --- | --- | --- |",
    ]
    for item in bench.figures:
        baseline = f"{item['baseline']} {item['unit']}" if item["baseline"] is not None else "-"
        ratio = f"{item['ratio']:.2f}" if item["ratio"] is not None else "-"
        lines.append(f"| {item['figure']} | {item['value']} {item['unit']} | {baseline} | "
                     f"{ratio} | {item['target'] or '-'} |")
    if bench.cpu:
        roles = [role for role in next(iter(bench.cpu.values())) if role != "wall"]
        lines += ["", "CPU seconds used by each process in each phase (2 cores give at most "
                  "2 s per wall-clock second):", "",
                  "| phase | wall s | " + " | ".join(roles) + " |",
                  "| --- | --- | " + " | ".join("---" for _ in roles) + " |"]
        lines += [f"| {phase} | {used['wall']} | " + " | ".join(str(used[r]) for r in roles)
                  + " |" for phase, used in bench.cpu.items()]
    prepend_section(Path(args.out), "\n".join(lines) + "\n")
    say(f"wrote {args.out} and {args.json}")

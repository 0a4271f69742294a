"""What every benchmark shares: progress lines, the machine's description, and
BENCHMARKS.md, where each run adds its section on top."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

from stack.temporal import temporal_cli

HEADER = ("# Benchmarks\n\nWritten by `make bench` (`python -m bench --help` for the options) "
          "and `make bench-kill` (`python -m bench.worker_kill --help`). Newest run first.\n\n")


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

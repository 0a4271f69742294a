"""``python -m api --workers 2``: the API as deployed, its lines JSON like the worker's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from stack.temporal import DevServer, free_port
from store.db import make_engine
from store.migrations import upgrade
from tests.support.stack import healthy

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


async def test_the_api_runs_as_its_own_processes_and_logs_json(
    dev_server: DevServer, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade(make_engine(url))
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "TEMPORAL_ADDRESS": dev_server.address,
           "API_PORT": str(port), "LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}
    log = tmp_path / "api.log"
    with log.open("w") as output:
        process = subprocess.Popen([sys.executable, "-m", "api", "--workers", "2"], cwd=ROOT,
                                   env=env, stderr=output, stdout=output)
    try:
        await healthy(f"http://127.0.0.1:{port}")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            assert (await http.get("/health")).json()["status"] == "ok"
            assert (await http.get("/metrics")).status_code == 200
            assert (await http.get("/tickets/TCK-LOGGED")).status_code == 401
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    entries = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    assert {"time", "level", "logger", "message"} <= entries[0].keys()
    access = [entry for entry in entries if entry["logger"] == "uvicorn.access"]
    assert any("GET /health" in entry["message"] for entry in access)
    # A request about a ticket: its lines name the ticket, so one filter finds them.
    (about_ticket,) = [entry for entry in access if "/tickets/TCK-LOGGED" in entry["message"]]
    assert about_ticket["ticket_id"] == "TCK-LOGGED"
    assert not any("ticket_id" in entry for entry in access if "/health" in entry["message"])
    started = [entry for entry in entries if "Application startup complete" in entry["message"]]
    assert len(started) == 2  # one per process

"""``make run`` refuses a broken policy before starting anything, and says why."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from store.db import make_engine
from store.migrations import upgrade

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parents[2]


def test_invalid_policy_stops_start_up_naming_file_key_and_problem(tmp_path: Path) -> None:
    policy = tmp_path / "broken.toml"
    policy.write_text(
        'warn_at = 0.75\n[plans.premium]\nfirst_response = { critical = "soon" }\n'
        'escalation = ["support_lead"]\n'
    )
    env = {**os.environ, "SLA_POLICY_FILE": str(policy), "DATABASE_URL":
           f"sqlite:///{tmp_path / 'app.db'}", "DATA_DIR": str(tmp_path / "data")}
    finished = subprocess.run([sys.executable, "-m", "stack"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
    assert finished.returncode == 2
    assert str(policy) in finished.stderr
    assert "plans.premium.first_response.critical: 'soon' is not a target" in finished.stderr
    assert not (tmp_path / "data").exists()


def test_the_worker_names_a_metrics_port_in_use_and_how_to_change_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade(make_engine(url))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "DATABASE_URL": url, "TEMPORAL_ADDRESS": "127.0.0.1:1",
               "WORKER_METRICS_PORT": str(port)}
        finished = subprocess.run([sys.executable, "worker.py"], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=60)
    assert finished.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in finished.stderr
    assert "set WORKER_METRICS_PORT to a free port, or to 0" in finished.stderr
    assert "Traceback" not in finished.stderr


def test_invalid_settings_stop_the_worker_with_the_reason() -> None:
    env = {**os.environ, "WORKER_DEPLOYMENT_NAME": "sla-tickets"}
    env.pop("WORKER_BUILD_ID", None)
    finished = subprocess.run([sys.executable, "worker.py"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
    assert finished.returncode == 1
    assert "WORKER_DEPLOYMENT_NAME and WORKER_BUILD_ID go together" in finished.stderr
    assert "Traceback" not in finished.stderr

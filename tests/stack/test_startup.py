"""``make run`` refuses a broken policy before starting anything, and says why."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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

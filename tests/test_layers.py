"""Imports run one way: the contracts in pyproject.toml ([tool.importlinter]), checked by
import-linter on every test run, so a shortcut (a use case raising an HTTP error, a
workflow reaching the database) fails here rather than in review."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parents[1]


def test_imports_run_one_way() -> None:
    # Its own process: import-linter configures logging as a command does (it would
    # silence the loggers of this one).
    run = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout

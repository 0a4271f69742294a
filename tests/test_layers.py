"""Imports run one way: the contracts in pyproject.toml ([tool.importlinter]), checked by
import-linter on every test run, so a shortcut (a use case raising an HTTP error, a
workflow reaching the database) fails here rather than in review."""

from __future__ import annotations

import os
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def test_imports_run_one_way() -> None:
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        exit_code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    finally:
        os.chdir(cwd)
    assert exit_code == 0, "a layer contract is broken: run .venv/bin/lint-imports"

"""``python -m cli.replay``: the check an operator runs before rolling out workflow code."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.replay import main
from tests.support.paths import HISTORIES

pytestmark = pytest.mark.pure


def test_recorded_histories_replay(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(HISTORIES.rglob("*.json"))
    assert main([str(path) for path in files]) == 0
    assert f"{len(files)} of {len(files)} histories replay" in capsys.readouterr().err


def test_a_history_the_code_cannot_replay_is_named_and_fails_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A ticket whose history sent a message through an activity the code no longer has:
    # what a rename without workflow.patched would do to running tickets.
    recorded = (HISTORIES / "life_cycle.json").read_text()
    assert '"name": "send_notifications"' in recorded
    changed = tmp_path / "TCK-CHANGED.json"
    changed.write_text(recorded.replace('"name": "send_notifications"', '"name": "deliver"', 1))
    assert main([str(HISTORIES / "emergency_line.json"), str(changed)]) == 1
    out = capsys.readouterr()
    assert out.out.startswith("TCK-CHANGED: does not replay: NondeterminismError")
    assert "1 of 2 histories replay" in out.err

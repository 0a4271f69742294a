"""The `policy` command as a support manager uses it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.policy import main

POLICIES = Path(__file__).resolve().parents[2] / "policies"


@pytest.mark.parametrize("name", sorted(path.name for path in POLICIES.glob("*.toml")))
def test_every_shipped_policy_checks(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(POLICIES / name)]) == 0
    assert "OK" in capsys.readouterr().out


def test_check_lists_every_problem_with_its_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text(
        'warn_at = 3\n[calendars.office]\ntime_zone = "Mars/Base"\nweekdays = ["9-5"]\n'
        '[plans.gold]\ncalendar = "office"\nfirst_response = "soon"\nescalation = ["lead"]\n'
    )
    assert main(["check", str(broken)]) == 1
    err = capsys.readouterr().err
    assert str(broken) in err
    assert "warn_at: Input should be less than 1" in err
    assert "calendars.office.weekdays[0]: '9-5' is not opening hours" in err
    assert "plans.gold.first_response.critical: 'soon' is not a target" in err
    # Names that point nowhere are reported alongside, not after the rest is fixed.
    assert "plans.gold.escalation[0]: 'lead' is neither 'tam' nor a [contacts.lead] entry" in err


def test_explain_prints_each_clock_in_the_calendar_zone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["explain", str(POLICIES / "crm-integrator.toml"), "--plan", "premium",
                 "--severity", "major", "--at", "2026-03-06T17:00+03:00"])
    assert code == 0
    out = capsys.readouterr().out
    assert "calendar: moscow_office" in out
    assert "first_response: 4h of business time (business time)" in out
    # Friday 17:00 + 4 business hours: 1h on Friday, 3h from Tuesday 09:00 (Monday 9 March
    # 2026 is the observed Women's Day holiday in Russia).
    assert "due       Tue 2026-03-10 12:00 MSK (09:00 UTC)" in out
    assert "escalation on breach: 1. Support manager, 2. Technical director" in out


def test_explain_shows_no_sla_and_emergencies(capsys: pytest.CaptureFixture[str]) -> None:
    main(["explain", str(POLICIES / "360dialog.toml"), "--plan", "premium", "--severity",
          "major", "--type", "third_party", "--at", "2026-03-06T17:00Z"])
    assert "no SLA clocks" in capsys.readouterr().out
    main(["explain", str(POLICIES / "keybe.toml"), "--plan", "prime", "--severity", "minor",
          "--at", "2026-03-06T17:00Z"])
    out = capsys.readouterr().out
    assert "minor -> critical" in out
    assert "resolution: 1h expected, 3h at most (elapsed time)" in out
    assert "expected  Fri 2026-03-06 18:00 UTC" in out


def test_explain_needs_an_offset_and_a_known_plan() -> None:
    with pytest.raises(SystemExit):
        main(["explain", str(POLICIES / "keybe.toml"), "--plan", "prime", "--severity", "minor",
              "--at", "2026-03-06T17:00"])
    with pytest.raises(SystemExit, match="unknown plan 'gold'"):
        main(["explain", str(POLICIES / "keybe.toml"), "--plan", "gold", "--severity", "minor",
              "--at", "2026-03-06T17:00Z"])

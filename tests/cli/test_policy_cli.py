"""The `policy` command as a support manager uses it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.policy import main

pytestmark = pytest.mark.pure

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
    out = capsys.readouterr().out
    # Meta problems: no resolution target, the plan's first response holds.
    assert "first_response: 30m (elapsed time), commitment" in out
    assert "resolution:" not in out
    main(["explain", str(POLICIES / "crm-integrator.toml"), "--plan", "flow", "--severity",
          "major", "--at", "2026-03-06T17:00Z"])
    assert "no SLA clocks" in capsys.readouterr().out
    main(["explain", str(POLICIES / "keybe.toml"), "--plan", "prime", "--severity", "minor",
          "--at", "2026-03-06T17:00Z"])
    out = capsys.readouterr().out
    assert "minor -> critical" in out
    # The Prime line: "tiempo de resolución en 1 hora", with no 3-hour allowance.
    assert "resolution: 1h (elapsed time), commitment" in out
    assert "due       Fri 2026-03-06 18:00 UTC" in out


def test_explain_needs_an_offset_and_a_known_plan() -> None:
    with pytest.raises(SystemExit):
        main(["explain", str(POLICIES / "keybe.toml"), "--plan", "prime", "--severity", "minor",
              "--at", "2026-03-06T17:00"])
    with pytest.raises(SystemExit, match="unknown plan 'gold'"):
        main(["explain", str(POLICIES / "keybe.toml"), "--plan", "gold", "--severity", "minor",
              "--at", "2026-03-06T17:00Z"])


@pytest.mark.parametrize("name", sorted(path.name for path in POLICIES.glob("*.toml")))
def test_explain_shows_every_target_with_its_kind_and_source(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain", str(POLICIES / name)]) == 0
    out = capsys.readouterr().out.splitlines()
    targets = [index for index, line in enumerate(out)
               if line.startswith("  ") and line.rstrip().endswith(
                   ("(commitment)", "(internal target)", "(no target)"))]
    assert targets, out
    for index in targets:
        # Each target is followed by its source: the document's words or the assumption.
        source = out[index + 1].strip()
        assert source.startswith(("document ", "assumption ")), (out[index], source)


def test_explain_labels_birds_unwritten_numbers_as_internal_targets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["explain", str(POLICIES / "bird-email-premium.toml")]) == 0
    out = capsys.readouterr().out
    assert "first_response: critical 8h of business time, major 8h of business time, " \
        "minor 8h of business time  (internal target)" in out
    assert "assumption The document says only" in out
    assert "receipts on premium say an agent answers during business hours" in out


def test_check_refuses_a_target_without_a_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unsourced = tmp_path / "unsourced.toml"
    unsourced.write_text(
        '[plans.gold]\nfirst_response = "1h"\nresolution = "8h"\nescalation = ["lead"]\n'
        '[plans.gold.sources]\nresolution = { assumption = "the team wants a day\'s margin" }\n'
        '[contacts.lead]\nname = "Lead"\nemail = "lead@example.com"\n')
    assert main(["check", str(unsourced)]) == 1
    err = capsys.readouterr().err
    assert "plans.gold.first_response: add a source" in err
    assert "plans.gold.resolution" not in err
    assert main(["check", str(unsourced), "--allow-unsourced"]) == 0


def test_a_source_is_either_the_documents_words_or_an_assumption(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    both = tmp_path / "both.toml"
    both.write_text(
        '[plans.gold]\nfirst_response = "1h"\nescalation = ["lead"]\n'
        '[plans.gold.sources]\nfirst_response = { document = "1 hour", assumption = "why" }\n'
        '[contacts.lead]\nname = "Lead"\nemail = "lead@example.com"\n')
    assert main(["check", str(both)]) == 1
    assert "plans.gold.sources.first_response: give either document" in capsys.readouterr().err

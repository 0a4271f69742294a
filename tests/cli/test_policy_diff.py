"""``policy diff OLD NEW``: what an edit changes, and how many open tickets each change touches."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cli.policy import main
from config import get_settings
from sla.policy.diff import diff_policies
from sla.policy.loading import load_policy, parse_policy
from store.db import make_engine, session_factory
from store.migrations import upgrade
from store.models import Customer, Ticket
from tests.support.paths import EXAMPLE_POLICY

pytestmark = pytest.mark.pure

POLICIES = Path(__file__).resolve().parents[2] / "policies"
DEFAULT = (EXAMPLE_POLICY).read_text()
AT = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)


def edited(tmp_path: Path) -> Path:
    """Premium: critical first response halved, the chain reversed; basic: a calendar."""
    text = DEFAULT.replace('first_response  = { critical = "30m"',
                           'first_response  = { critical = "15m"')
    text = text.replace('escalation      = ["tam", "support_lead"]',
                        'escalation      = ["support_lead", "tam"]')
    assert text != DEFAULT
    path = tmp_path / "new.toml"
    path.write_text(text)
    return path


def test_each_change_is_one_line_naming_plan_clock_and_severity(tmp_path: Path) -> None:
    old = load_policy(EXAMPLE_POLICY)
    changes = diff_policies(old, load_policy(edited(tmp_path)), AT)
    assert [(c.plan, c.area, c.description) for c in changes] == [
        ("premium", "target", "first_response critical: 30m -> 15m"),
        ("premium", "escalation", "escalation tam > Support lead -> Support lead > tam"),
    ]
    target = changes[0]
    assert target.touches("premium", "critical", "problem", "email")
    assert not target.touches("premium", "major", "problem", "email")
    assert not target.touches("basic", "critical", "problem", "email")
    assert changes[1].touches("premium", "minor", "information", "phone")
    assert diff_policies(old, old, AT) == []


def test_plans_calendars_and_scoped_targets(tmp_path: Path) -> None:
    old = parse_policy(DEFAULT, Path("old.toml"))
    text = DEFAULT.replace("[plans.basic]", '[calendars.office]\ntime_zone = "Europe/Rome"\n'
                           'weekdays = ["09:00-18:00"]\n\n[plans.basic]\ncalendar = "office"')
    text += '\n[channels.web_form]\nfirst_response = "24h"\n\n[plans.gold]\n' \
            'first_response = "1h"\nresolution = "4h"\nescalation = ["support_lead"]\n'
    new = parse_policy(text, Path("new.toml"))
    described = {(c.plan, c.description) for c in diff_policies(old, new, AT)}
    assert ("basic", "calendar 24x7 -> office") in described
    assert ("gold", "plan added") in described
    assert ("premium", "first_response critical (via web_form): 30m -> 1d") in described
    assert not any(plan == "gold" and "->" in text for plan, text in described)


def test_holding_messages_for_the_recipient_s_hours_is_a_change() -> None:
    old = parse_policy(DEFAULT, Path("old.toml"))
    new = parse_policy(DEFAULT + "\n[notices]\nhold_outside_hours = true\n", Path("new.toml"))
    described = {(c.plan, c.area, c.description) for c in diff_policies(old, new, AT)}
    assert ("basic", "notices", "messages sent at once -> held for the recipient's hours "
            "(urgent: critical, page)") in described


def test_the_command_counts_the_open_tickets_each_change_touches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as session:
        session.add(Customer(id=1, name="Acme", plan="premium"))
        for number, (severity, status) in enumerate(
                [("critical", "open"), ("critical", "closed"), ("minor", "waiting_on_customer")]):
            session.add(Ticket(id=f"TCK-{number}", customer_id=1, subject="s", severity=severity,
                               type="problem", channel="api", plan="premium", status=status,
                               created_at=AT))
        session.commit()
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        assert main(["diff", str(EXAMPLE_POLICY), str(edited(tmp_path))]) == 1
    finally:
        get_settings.cache_clear()
    lines = capsys.readouterr().out.splitlines()
    # The closed ticket is not counted; the chain touches every open premium ticket.
    assert lines[0] == "premium: first_response critical: 30m -> 15m  [1 open ticket]"
    assert lines[1].endswith("[2 open tickets]")
    assert "keep the policy they started with" in lines[2]
    assert main(["diff", str(EXAMPLE_POLICY), str(EXAMPLE_POLICY)]) == 0


def test_a_broken_policy_is_refused_with_its_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('warn_at = 3\n')
    assert main(["diff", str(EXAMPLE_POLICY), str(broken)]) == 2
    assert str(broken) in capsys.readouterr().err


def test_a_target_that_becomes_internal_is_a_change(tmp_path: Path) -> None:
    text = ('[plans.gold]\nfirst_response = "1h"\nescalation = ["lead"]\n'
            '[plans.gold.sources]\nfirst_response = {{ {source} }}\n'
            '[contacts.lead]\nname = "Lead"\nemail = "lead@example.com"\n')
    old, new = tmp_path / "old.toml", tmp_path / "new.toml"
    old.write_text(text.format(source='document = "within one hour"'))
    new.write_text(text.format(source='assumption = "the contract names no time"'))
    changes = diff_policies(load_policy(old), load_policy(new), datetime(2026, 3, 6, tzinfo=UTC))
    assert [change.description for change in changes] == [
        "first_response critical: 1h -> 1h (internal target)",
        "first_response major: 1h -> 1h (internal target)",
        "first_response minor: 1h -> 1h (internal target)",
        "plans.gold.sources.first_response.assumption: None -> the contract names no time",
        "plans.gold.sources.first_response.document: within one hour -> None"]

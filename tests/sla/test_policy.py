from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sla.policy.loading import PolicyError, load_policy, parse_policy
from sla.policy.snapshot import Contact
from sla.policy.targets import TargetSpec
from tests.support.domain import OFFICE

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

ISSUE_EXAMPLE = """
warn_at = 0.75
auto_close_after = "48h"

[plans.premium]
first_response  = { critical = "30m", major = "30m", minor = "30m" }
update_interval = { critical = "1h" }
resolution      = { critical = "2h", major = "8h", minor = "48h" }
escalation      = ["tam", "support_lead"]

[plans.basic]
first_response = { critical = "24h", major = "24h", minor = "24h" }
resolution     = { critical = "48h", major = "48h", minor = "48h" }
escalation     = ["support_lead"]

[contacts.support_lead]
name = "Support lead"
email = "lead@example.com"
"""


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, Path("policies/broken.toml"))
    assert "policies/broken.toml" in str(caught.value)
    return caught.value.problems


def test_the_documented_shape_loads() -> None:
    policy = parse_policy(ISSUE_EXAMPLE, Path("example.toml"))
    assert policy.plans["premium"].update_interval == {"critical": TargetSpec("elapsed", 3600)}
    assert policy.auto_close_after == timedelta(hours=48)


def test_shipped_default_policy_loads() -> None:
    policy = load_policy(ROOT / "tests" / "support" / "policies" / "example.toml")
    assert {"premium", "basic"} <= set(policy.plans)


def test_snapshot_resolves_the_tam_and_the_contacts() -> None:
    policy = parse_policy(ISSUE_EXAMPLE, Path("example.toml"))
    tam = Contact(role="tam", name="Tess", email="tess@example.com")
    snapshot = policy.snapshot("premium", tam, NOW)
    assert [c.role for c in snapshot.escalation] == ["tam", "support_lead"]
    half_hour = TargetSpec(kind="elapsed", seconds=1800)
    assert snapshot.targets["first_response"] == {"critical": half_hour, "major": half_hour,
                                                  "minor": half_hour}
    assert snapshot.targets["next_update"] == {"critical": TargetSpec(kind="elapsed", seconds=3600)}
    assert snapshot.calendar is None
    # Without a TAM the chain starts at the next level.
    assert [c.role for c in policy.snapshot("premium", None, NOW).escalation] == ["support_lead"]


def test_errors_name_the_key_and_the_problem() -> None:
    found = problems(ISSUE_EXAMPLE.replace('critical = "2h"', 'critical = "2 hours"'))
    assert found == [
        "plans.premium.resolution.critical: '2 hours' is not a target; write elapsed time "
        "('30m', '4h', '2d', '3 calendar days'), business time ('4 business hours', "
        "'45 business minutes') or '2 business days'"
    ]


def test_unknown_keys_and_severities_are_reported() -> None:
    found = problems(ISSUE_EXAMPLE.replace("warn_at", "warn_att")
                     .replace('minor = "48h" }', 'trivial = "48h" }'))
    assert "warn_att: unknown key (check its spelling)" in found
    assert any(p.startswith("plans.premium.resolution.trivial") for p in found)


def test_escalation_names_must_resolve() -> None:
    found = problems(ISSUE_EXAMPLE.replace('["support_lead"]', '["support_leed"]'))
    assert found == [
        "plans.basic.escalation[0]: 'support_leed' is neither 'tam' nor a "
        "[contacts.support_leed] entry"
    ]


def test_bad_warn_at_and_bad_toml() -> None:
    assert problems(ISSUE_EXAMPLE.replace("0.75", "1.5")) == [
        "warn_at: Input should be less than 1"
    ]
    assert problems("plans = [")[0].startswith("not valid TOML")
    assert problems("warn_at = 0.5") == ["plans: Field required"]


def test_numbers_are_not_durations() -> None:
    found = problems(ISSUE_EXAMPLE.replace('auto_close_after = "48h"', "auto_close_after = 48"))
    assert found == ['auto_close_after: write durations as strings like "30m" or "4h", not 48']


def test_missing_file() -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(ROOT / "policies" / "nope.toml")
    assert "nope.toml" in str(caught.value)
    assert "cannot read the file" in str(caught.value)


def test_calendars_resolve_into_the_snapshot_with_holidays() -> None:
    policy = parse_policy(OFFICE, Path("office.toml"))
    tam = Contact(role="tam", name="Tess", email="tess@example.com")
    snapshot = policy.snapshot("premium", tam, NOW)
    calendar = snapshot.calendar
    assert calendar is not None and calendar.time_zone == "Europe/Rome"
    assert calendar.weekly[0] == [[540, 780], [840, 1080]]
    assert calendar.weekly[5] == [[540, 720]] and calendar.weekly[6] == []
    assert "2026-12-25" in calendar.closed_dates  # Christmas, from the holidays package
    assert "2027-08-15" in calendar.closed_dates  # Ferragosto, a year ahead
    assert "2026-08-14" in calendar.closed_dates  # listed in the policy
    assert calendar.open_exceptions == {"2026-12-27": [[600, 840]]}
    assert snapshot.escalation[0].calendar == calendar
    assert snapshot.escalation[1].calendar is None
    assert snapshot.on_call is not None and snapshot.on_call.role == "night_desk"
    targets = snapshot.targets["first_response"]
    # The calendar gives no source for its hours: a business-time due instant is assumed.
    assert targets["critical"] == TargetSpec("business", 4 * 3600, instant_is_assumed=True)
    assert targets["major"] == TargetSpec("business_days", days=2, instant_is_assumed=True)
    assert targets["minor"] == TargetSpec("elapsed", 3 * 86400)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (('time_zone = "Europe/Rome"', 'time_zone = "Europe/Roma"'),
         "calendars.rome_office: time_zone: 'Europe/Roma' is not an IANA time zone"),
        (('saturday = ["09:00-12:00"]', 'saturday = ["9-12"]'),
         "calendars.rome_office.saturday[0]: '9-12' is not opening hours"),
        (('country = "IT"', 'country = "XX"'),
         "calendars.rome_office.holidays: 'XX' is not a country the holidays package knows"),
        (('calendar = "rome_office"', 'calendar = "rome"'),
         "plans.premium.calendar: 'rome' is neither '24x7' nor a [calendars.rome] entry"),
        (('"4 business hours"', '"4 working hours"'),
         "plans.premium.first_response.critical: '4 working hours' is not a target"),
        (('"2 business days"', '"1.5 business days"'),
         "plans.premium.first_response.major: '1.5 business days': business days must be a whole"),
        (('on_call = "night_desk"', 'on_call = "nobody"'),
         "on_call: 'nobody' is not a [contacts] entry"),
    ],
)
def test_calendar_mistakes_are_named(change: tuple[str, str], problem: str) -> None:
    found = problems(OFFICE.replace(*change))
    assert any(p.startswith(problem) for p in found), found


def test_a_calendar_that_is_never_open_is_refused() -> None:
    text = OFFICE.replace('weekdays = ["09:00-13:00", "14:00-18:00"]\n', "").replace(
        'saturday = ["09:00-12:00"]\n', "")
    assert problems(text) == [
        "calendars.rome_office: the calendar is never open: give weekdays or a day's hours"
    ]


def test_a_snapshot_names_its_policy_file_and_content(tmp_path: Path) -> None:
    text = (ROOT / "tests" / "support" / "policies" / "example.toml").read_text()
    original, copy = tmp_path / "support.toml", tmp_path / "support-copy.toml"
    original.write_text(text)
    copy.write_text(text)
    edited = tmp_path / "support-edited.toml"
    edited.write_text(text.replace('critical = "30m"', 'critical = "15m"', 1))
    at = datetime(2026, 3, 6, 12, tzinfo=UTC)
    snapshot = load_policy(original).snapshot("premium", None, at)
    assert snapshot.policy_name == "support.toml"
    assert len(snapshot.policy_hash) == 12 and int(snapshot.policy_hash, 16) >= 0
    # The hash is of the content: the same text elsewhere matches, an edit does not.
    assert load_policy(copy).content_hash == snapshot.policy_hash
    assert load_policy(edited).content_hash != snapshot.policy_hash
    # It is not a key of the file: a policy cannot claim another's hash.
    with pytest.raises(PolicyError, match="content_hash: unknown key"):
        parse_policy('content_hash = "abc"\n' + text, Path("claims.toml"))


def test_the_hash_is_the_files_own_and_a_non_utf8_file_is_named(tmp_path: Path) -> None:
    written = (ROOT / "tests" / "support" / "policies" / "example.toml").read_bytes().replace(b"\n", b"\r\n")
    windows = tmp_path / "windows.toml"
    windows.write_bytes(written)
    assert load_policy(windows).content_hash == hashlib.sha256(written).hexdigest()[:12]
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'# caf\xe9\nwarn_at = 0.5\n')
    with pytest.raises(PolicyError, match="not UTF-8 text"):
        load_policy(latin)

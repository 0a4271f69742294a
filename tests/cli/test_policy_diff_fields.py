"""``policy diff`` reports a change to any field of the policy file, and the list of edits
below covers every field the model has (a new field fails the walk until it has one)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from cli.policy import main
from config import get_settings
from sla.policy.rules import PlanPolicy, Policy

pytestmark = pytest.mark.pure

BASE = """\
[plans.gold]
first_response = "1h"
escalation = ["lead"]

[plans.gold.sources]
first_response = { assumption = "example" }

[contacts.lead]
name = "Lead"
email = "lead@example.com"
"""
OFFICE = '\n[calendars.office]\ntime_zone = "Europe/Rome"\nweekdays = ["09:00-18:00"]\n'


def top(line: str) -> Callable[[str], str]:
    return lambda text: line + "\n" + text


def table(block: str) -> Callable[[str], str]:
    return lambda text: text + "\n" + block


def in_plan(line: str, block: str = "") -> Callable[[str], str]:
    return lambda text: text.replace('escalation = ["lead"]\n',
                                     f'escalation = ["lead"]\n{line}\n', 1) + block


def replace(old: str, new: str) -> Callable[[str], str]:
    return lambda text: text.replace(old, new, 1)


#: Key path of a field -> an edit of BASE that changes it.
EDITS: dict[str, Callable[[str], str]] = {
    "contract": top('contract = "contracts/other.txt"'),
    "warn_at": top("warn_at = 0.5"),
    "first_response": top('first_response = "investigation"'),
    "auto_close_after": top('auto_close_after = "24h"'),
    "auto_confirm_after": top('auto_confirm_after = "24h"'),
    "reopen_window": top('reopen_window = "7d"'),
    "unassigned": top('unassigned = "lead"'),
    "on_call": top('on_call = "lead"'),
    "delivery": top('delivery = { customer = ["email", "sms"] }'),
    "calendars": table(OFFICE),
    "types": table('[types.feature_request]\nstudy = "48h"\n'),
    "channels": table('[channels.web_form]\nfirst_response = "24h"\n'),
    "intake": table('[intake.problem]\nrequired = ["module"]\n'),
    "not_included": table('[not_included]\ntemplates = "not included"\n'),
    "refused_channels": table('[refused_channels]\nchat = "no chat"\n'),
    "plans": table('[plans.silver]\nescalation = ["lead"]\n'),
    "contacts": table('[contacts.other]\nname = "Other"\nemail = "other@example.com"\n'),
    "emergency.callback_within": table('[emergency]\ncallback_within = "30m"\n'),
    "emergency.source": table('[emergency]\nsource = { assumption = "x" }\n'),
    "emergency.page_every": table('[emergency]\npage_every = "5m"\n'),
    "emergency.unknown_caller_plan": table('[emergency]\nunknown_caller_plan = "gold"\n'),
    "emergency.number": table('[emergency]\nnumber = "+31 20 000 0000"\n'),
    "emergency.unknown_caller_message": table('[emergency]\nunknown_caller_message = "Hi"\n'),
    "duplicates.window": table('[duplicates]\nwindow = "24h"\n'),
    "duplicates.similarity": table("[duplicates]\nsimilarity = 0.5\n"),
    "notices.hold_outside_hours": table("[notices]\nhold_outside_hours = true\n"),
    "notices.urgent_severities": table('[notices]\nurgent_severities = ["major"]\n'),
    "notices.urgent_kinds": table('[notices]\nurgent_kinds = ["sla_breach"]\n'),
    "entitlements.slot_plans": table('[entitlements]\nslot_plans = ["gold"]\n'),
    "entitlements.types": table('[entitlements]\ntypes = ["problem"]\n'),
    "entitlements.recommendations_only": table(
        '[entitlements]\nrecommendations_only = ["gold"]\n'),
    "entitlements.slot_price": table('[entitlements]\nslot_price = { gold = "20 USD" }\n'),
    "entitlements.minimum_term_months": table("[entitlements]\nminimum_term_months = 3\n"),
    "entitlements.how_to_buy": table('[entitlements]\nhow_to_buy = "Call us"\n'),
    "entitlements.close_uncovered_after": table(
        '[entitlements]\nclose_uncovered_after = "7d"\n'),
    "entitlements.subscription_price": table(
        '[entitlements]\nsubscription_price = { gold = "70 USD" }\n'),
    "entitlements.price_note": table('[entitlements]\nprice_note = "ambiguous"\n'),
    "plans.gold.first_response": replace('first_response = "1h"', 'first_response = "2h"'),
    "plans.gold.update_interval": in_plan('update_interval = "1h"'),
    "plans.gold.resolution": in_plan('resolution = "8h"'),
    "plans.gold.sources": replace('assumption = "example"', 'assumption = "another"'),
    "plans.gold.calendar": in_plan('calendar = "office"', OFFICE),
    "plans.gold.tam_calendar": in_plan('tam_calendar = "office"', OFFICE),
    "plans.gold.escalation": replace('escalation = ["lead"]', 'escalation = ["lead", "tam"]'),
    "plans.gold.emergency": in_plan("emergency = true"),
    "plans.gold.answers_during_business_hours": in_plan("answers_during_business_hours = true"),
    "plans.gold.investigation": in_plan('investigation = "lead"'),
    "plans.gold.types": table('[plans.gold.types.problem]\nresolution = "4h"\n'),
}


def model_fields(model: type[BaseModel], prefix: str) -> Iterator[str]:
    """Every field's key path; a field holding one nested model, by its own fields."""
    for name, info in model.model_fields.items():
        nested = info.annotation
        if isinstance(nested, type) and issubclass(nested, BaseModel):
            yield from model_fields(nested, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}"


def test_the_edits_cover_every_field_of_the_policy_model() -> None:
    fields = set(model_fields(Policy, "")) | set(model_fields(PlanPolicy, "plans.gold."))
    assert fields == set(EDITS)


@pytest.fixture
def no_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'none' / 'app.db'}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize("field", sorted(EDITS))
def test_a_change_to_any_field_is_a_difference(
    field: str, tmp_path: Path, no_database: None, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = tmp_path / "old.toml", tmp_path / "new.toml"
    old.write_text(BASE)
    new.write_text(EDITS[field](BASE))
    assert new.read_text() != BASE
    assert main(["diff", str(old), str(new)]) == 1, capsys.readouterr()
    out = capsys.readouterr().out
    assert "no differences" not in out
    assert main(["diff", str(old), str(old)]) == 0
    assert "no differences" in capsys.readouterr().out

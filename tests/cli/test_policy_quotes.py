"""``policy check`` finds every commitment's quote in the policy's contract file, as a
support manager runs it on a copy of a shipped policy."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cli.policy import main
from sla.policy.loading import load_policy
from sla.policy.snapshot import Contact
from tests.support.paths import POLICIES

pytestmark = pytest.mark.pure

SHIPPED = ("360dialog", "bird-email-enterprise", "bird-email-premium", "crm-integrator", "keybe")


def copy_of(name: str, tmp_path: Path) -> Path:
    """The shipped policy and its contracts, copied as a user would before editing."""
    shutil.copytree(POLICIES / "contracts", tmp_path / "contracts")
    path = tmp_path / f"{name}.toml"
    shutil.copyfile(POLICIES / f"{name}.toml", path)
    return path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_policy_names_its_own_contract_byte_for_byte(name: str) -> None:
    policy = load_policy(POLICIES / f"{name}.toml")
    assert policy.contract is not None
    contract = POLICIES / policy.contract
    seed = {"360dialog": "360dialog-support.ru.txt",
            "bird-email-enterprise": "bird-email-enterprise.it.txt",
            "bird-email-premium": "bird-email-premium.id.txt",
            "crm-integrator": "crm-integrator-support.ru.txt",
            "keybe": "keybe-customer-care.es.txt"}[name]
    assert contract.name == seed
    assert main(["check", str(POLICIES / f"{name}.toml")]) == 0


def test_one_word_of_a_quote_changed_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy_of("keybe", tmp_path)
    assert main(["check", str(path)]) == 0
    capsys.readouterr()
    edit(path, "tiempo de resolución en 1 hora.", "tiempo de resolución en 3 hora.")
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert str(path) in err
    assert "contracts/keybe-customer-care.es.txt" in err
    assert ("plans.prime.resolution document[1]: 'Independientemente del tipo de plan, "
            "garantizamos atención inmediata, consideración de tickets como emergencia y "
            "tiempo de resolución en 3 hora.' does not occur in the contract") in err


def test_a_gloss_inside_the_quote_is_refused_and_whitespace_is_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy_of("crm-integrator", tmp_path)
    # The reading the brief forbids inside the quote.
    edit(path, 'document = "До 2х часов"',
         'document = "До 2х часов (engagement within up to 2 hours; not business hours)"')
    assert main(["check", str(path)]) == 1
    assert "plans.vip.first_response document:" in capsys.readouterr().err
    # Runs of whitespace (a line break, doubled spaces) are the only thing forgiven.
    edit(path, 'document = "До 2х часов (engagement within up to 2 hours; not business hours)"',
         'document = "До   2х\\n часов"')
    assert main(["check", str(path)]) == 0


def test_a_commitment_whose_calendar_has_no_source_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy_of("crm-integrator", tmp_path)
    text = path.read_text()
    start = text.index("source = { assumption = \"The document counts in business days")
    path.write_text(text[:start] + text[text.index("\n", start) + 1:])
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert str(path) in err
    assert ("plans.basic.first_response (plan basic): a commitment counted in calendar "
            "'moscow_office', whose hours have no source") in err
    assert "plans.premium.first_response (plan premium)" in err
    # VIP counts clock hours (24/7): no calendar, nothing to report.
    assert "plans.vip" not in err


def test_quotes_without_a_contract_file_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy_of("360dialog", tmp_path)
    edit(path, 'contract = "contracts/360dialog-support.ru.txt"\n', "")
    assert main(["check", str(path)]) == 1
    assert "the policy names no contract file" in capsys.readouterr().err
    path = copy_of("keybe", tmp_path / "missing")
    (tmp_path / "missing" / "contracts" / "keybe-customer-care.es.txt").unlink()
    assert main(["check", str(path)]) == 1
    assert "contract: cannot read" in capsys.readouterr().err


def test_the_target_carries_its_quote_and_whether_its_instant_is_assumed() -> None:
    crm = load_policy(POLICIES / "crm-integrator.toml")
    at = datetime(2026, 3, 6, 12, tzinfo=UTC)
    basic = crm.snapshot("basic", None, at).target_for("first_response", "major")
    assert basic is not None and not basic.internal
    # "2 business days" is the document's; the instant counted on assumed Moscow hours is not.
    assert basic.instant_is_assumed
    assert basic.quote == "Базовый … Время вовлечения в запрос … До 2х раб. дней"
    snapshot = crm.snapshot("basic", None, at)
    assert snapshot.calendar_is_assumed
    vip = crm.snapshot("vip", None, at).target_for("first_response", "major")
    assert vip is not None and vip.quote == "До 2х часов" and not vip.instant_is_assumed
    keybe = load_policy(POLICIES / "keybe.toml").snapshot(
        "prime", Contact(role="tam", name="TAM"), at)
    resolution = keybe.target_for("resolution", "critical")
    assert resolution is not None and not resolution.instant_is_assumed
    assert resolution.seconds == 3600 and not resolution.expected_seconds
    first = keybe.target_for("first_response", "critical")
    assert first is not None and first.internal and first.instant_is_assumed and not first.quote

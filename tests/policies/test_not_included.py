"""What the Bird documents exclude is listed, each answered with the document's own
sentence as written (a translation follows it in parentheses)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.moments import policy

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parents[2]
#: The contracts shipped with the policies, or the originals beside the checkout.
FOLDERS = (ROOT / "policies" / "contracts", ROOT.parent / "shared" / "seeds")


def _seed(name: str) -> str:
    for folder in FOLDERS:
        if (folder / name).exists():
            return " ".join((folder / name).read_text(encoding="utf-8").split())
    pytest.skip(f"{name} is not shipped here")


@pytest.mark.parametrize(("name", "seed"), [
    ("bird-email-premium", "bird-email-premium.id.txt"),
    ("bird-email-enterprise", "bird-email-enterprise.it.txt"),
])
def test_every_exclusion_of_the_document_is_listed_in_its_words(name: str, seed: str) -> None:
    rules = policy(name)
    assert set(rules.not_included) == {
        "template_creation", "translation", "internal_project_management",
        "deliverability_strategy", "tier2_mediation", "inbox_placement_guarantee"}
    text = _seed(seed)
    for service, answer in rules.not_included.items():
        words = answer[:answer.rindex(" (")]  # the translation follows in parentheses
        assert words in text, (service, words)
        refusal = rules.refusal(service, "api")
        assert refusal == ("service", f"not included: {answer}")


def test_an_inbox_placement_guarantee_gets_tidak_dapat_dijamin() -> None:
    refusal = policy("bird-email-premium").refusal("inbox_placement_guarantee", "api")
    assert refusal is not None
    assert ("Tingkat penempatan kotak masuk tidak dapat dijamin oleh Bird mengingat banyaknya "
            "kondisi, praktik, dan masalah reputasi di luar kendali kami.") in refusal[1]

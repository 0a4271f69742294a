"""A rollout's input stays far under Temporal's 2 MB payload limit however many customers
and tickets it covers: a paged rollout carries its policy's text and a cursor, not a plan
snapshot per customer and tier, and its progress names the first 1,000 tickets of each
outcome and counts the rest."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload

from sla.policy.loading import LARGEST_POLICY_BYTES, PolicyError, load_policy, parse_policy
from workflow_client import DATA_CONVERTER
from workflows.messages import (
    ROLLOUT_LISTED,
    RetargetOutcome,
    RolloutCursor,
    RolloutInput,
    RolloutProgress,
)

pytestmark = pytest.mark.pure
ROOT = Path(__file__).resolve().parents[2]
#: Temporal refuses a payload over 2 MB; a rollout's input stays a small part of it.
AT_MOST = 200_000


CONVERTER = DATA_CONVERTER.payload_converter


def payload_size(value: object) -> int:
    return len(CONVERTER.to_payloads([value])[0].data)


def test_a_rollout_over_100000_customers_carries_a_small_input() -> None:
    policy = load_policy(ROOT / "policies" / "crm-integrator.toml")
    # What an unpaged rollout would carry: a plan snapshot for each customer.
    snapshot = policy.snapshot("basic", None, datetime.now(UTC))
    assert payload_size(snapshot) * 100_000 > 100 * 2**20
    progress = RolloutProgress(total=100_000)
    for number in range(100_000):
        outcome = RetargetOutcome("failed", "the ticket's workflow is no longer running") \
            if number % 10 == 0 else RetargetOutcome("retargeted")
        progress.record(f"TCK-{number:012X}", outcome)
    rollout = RolloutInput(plans={}, targets=[], actor="admin:ops", reason="new terms",
                           progress=progress, paged=True, policy_text=policy.source_text,
                           policy_name=policy.source_name,
                           after=RolloutCursor(datetime.now(UTC), "TCK-00000001869F"))
    assert payload_size(rollout) < AT_MOST
    assert progress.done == progress.total == 100_000
    assert (progress.retargeted_count, progress.failed_count) == (90_000, 10_000)
    assert len(progress.retargeted) == len(progress.failed) == ROLLOUT_LISTED
    # Decoded again (each run continues from the last), the counts are kept.
    again = CONVERTER.from_payloads(CONVERTER.to_payloads([rollout]), [RolloutInput])[0]
    assert again.progress.done == 100_000 and again.after == rollout.after


def test_a_progress_recorded_before_the_counts_counts_its_lists() -> None:
    """A running rollout's progress, as its history holds it from before the counts."""
    recorded = Payload(metadata={"encoding": b"json/plain"}, data=(
        b'{"total": 4, "retargeted": ["TCK-1", "TCK-2"], "unchanged": ["TCK-4"], '
        b'"failed": {"TCK-3": "gone"}}'))
    old = CONVERTER.from_payloads([recorded], [RolloutProgress])[0]
    assert (old.retargeted_count, old.unchanged_count, old.failed_count) == (2, 1, 1)
    assert old.done == old.total == 4


def test_a_policy_file_over_256_kib_is_refused() -> None:
    text = (ROOT / "policies" / "keybe.toml").read_text()
    padded = text + "#" * LARGEST_POLICY_BYTES
    with pytest.raises(PolicyError, match="a policy is at most 256 KiB"):
        parse_policy(padded, Path("keybe.toml"))
    assert parse_policy(text, Path("keybe.toml")).source_text == text

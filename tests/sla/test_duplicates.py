from __future__ import annotations

from sla.duplicates import closest, similarity


def test_the_same_problem_in_other_words_case_and_punctuation_is_close() -> None:
    first = "SMTP injections fail: every message times out since 09:00"
    assert similarity(first, "smtp injections FAIL - every message times out since 09:00!") == 1
    assert similarity(first, "Invoice address change") == 0


def test_closest_needs_the_threshold() -> None:
    candidates = [("TCK-A", "Webhooks delayed by ten minutes"), ("TCK-B", "Invoice wrong")]
    assert closest("webhooks delayed by ten minutes today", candidates, 0.8) == "TCK-A"
    assert closest("webhooks delayed", candidates, 0.8) is None
    assert closest("anything", [], 0.8) is None

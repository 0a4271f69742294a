from __future__ import annotations

from intake.duplicates import closest, identifiers, similarity


def test_the_same_problem_in_other_words_case_and_punctuation_is_close() -> None:
    first = "SMTP injections fail: every message times out since 09:00"
    assert similarity(first, "smtp injections FAIL - every message times out since 09:00!") == 1
    assert similarity(first, "Invoice address change") == 0


def test_closest_needs_the_threshold() -> None:
    candidates = [("TCK-A", "Webhooks delayed by ten minutes"), ("TCK-B", "Invoice wrong")]
    assert closest("webhooks delayed by ten minutes today", candidates, 0.8) == "TCK-A"
    assert closest("webhooks delayed", candidates, 0.8) is None
    assert closest("anything", [], 0.8) is None


def test_texts_that_differ_only_in_an_identifier_are_two_problems() -> None:
    """Numbers, order and account ids, hosts and addresses name the problem."""
    candidates = [("TCK-A", "Problem number 2 with webhooks 31582")]
    assert closest("Problem number 4 with webhooks 2672", candidates, 0.5) is None
    assert closest("problem number 2 with webhooks 31582!", candidates, 0.5) == "TCK-A"
    hosts = [("TCK-H", "Mail to mx1.acme.example bounces")]
    assert closest("Mail to mx2.acme.example bounces", hosts, 0.5) is None
    orders = [("TCK-O", "Order ORD-7781 was charged twice")]
    assert closest("Order ORD-7782 was charged twice", orders, 0.5) is None


def test_times_and_dates_are_not_identifiers() -> None:
    assert identifiers("SMTP fails since 09:00 on 2026-03-06") == set()
    assert identifiers("account 4471, host api.example.com, ops@acme.example") == {
        "4471", "api.example.com", "ops@acme.example"}

"""Report figures against expectations worked out by hand on four tickets."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from reports.attainment import (
    build_report,
    csv_cell,
    csv_rows,
    median,
    nearest_rank,
    week_of,
)
from tests.support.report_tickets import (
    ANSWERED_IN_TIME,
    ANSWERED_LATE,
    END,
    NOW,
    START,
    TICKETS,
    at,
)


def test_grouped_by_plan() -> None:
    report = build_report(TICKETS, START, END, "plan", NOW)
    groups = {group.key: group.as_dict() for group in report.groups}
    assert list(groups) == ["basic", "premium"]
    assert groups["premium"].pop("internal_targets") == {
        "note": "targets the contract does not state (the team's assumptions): never "
                "promised to the customer, not counted in the attainment above",
        "first_response": {"met": 0, "missed": 0, "attainment": None},
        "resolution": {"met": 0, "missed": 0, "attainment": None},
    }
    assert groups["premium"] == {
        "key": "premium",
        "tickets": 2,
        "first_response": {"met": 1, "breached": 1, "attainment": 0.5, "answered": 2,
                           "median_seconds": 2100.0, "p90_seconds": 3600.0},
        "resolution": {"met": 1, "breached": 0, "attainment": 1.0},
        "escalations_by_level": {"1": 1, "2": 1},
        "pages_by_level": {},
        "callbacks": {"owed": 0, "made": 0, "within_limit": 0},
        "paused_seconds": 3600.0 + 6.5 * 86400,
        "messages_logged": 0,
        "feedback": {"ratings": 1, "average": 4.0,
                     "by_rating": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}},
    }
    assert groups["basic"].pop("internal_targets")["first_response"]["missed"] == 0  # type: ignore[index]
    assert groups["basic"] == {
        "key": "basic",
        "tickets": 2,
        "first_response": {"met": 1, "breached": 0, "attainment": 1.0, "answered": 1,
                           "median_seconds": 1200.0, "p90_seconds": 1200.0},
        "resolution": {"met": 0, "breached": 0, "attainment": None},
        "escalations_by_level": {},
        "pages_by_level": {"1": 1},
        "callbacks": {"owed": 2, "made": 2, "within_limit": 1},
        "paused_seconds": 0.0,
        "messages_logged": 0,
        "feedback": {"ratings": 0, "average": None,
                     "by_rating": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}},
    }
    total = report.total.as_dict()
    assert total["tickets"] == 4
    assert total["first_response"] == {"met": 2, "breached": 1, "attainment": 0.6667,
                                       "answered": 3, "median_seconds": 1200.0,
                                       "p90_seconds": 3600.0}


def test_grouped_by_agent_customer_and_severity() -> None:
    by_agent = build_report(TICKETS, START, END, "agent", NOW)
    assert {g.key: g.tickets for g in by_agent.groups} == {"Ann": 1, "Bob": 1,
                                                           "(unassigned)": 2}
    by_customer = build_report(TICKETS, START, END, "customer", NOW)
    assert {g.key: g.tickets for g in by_customer.groups} == {"Acme": 2, "Globex": 2}
    by_severity = build_report(TICKETS, START, END, "severity", NOW)
    assert {g.key: (g.first_response_met, g.first_response_breached)
            for g in by_severity.groups} == {"critical": (1, 0), "major": (0, 1),
                                             "minor": (1, 0)}


def test_weeks_cover_the_period_including_empty_ones() -> None:
    report = build_report(TICKETS, START, datetime(2026, 11, 25, tzinfo=UTC), "plan", NOW)
    assert [(week.key, week.tickets, week.first_response_met, week.first_response_breached)
            for week in report.weeks] == [("2026-11-02", 2, 1, 1), ("2026-11-09", 2, 1, 0),
                                          ("2026-11-16", 1, 0, 0), ("2026-11-23", 0, 0, 0)]


def test_a_wait_on_the_customer_ends_at_the_period_end_when_that_is_earlier() -> None:
    report = build_report([ANSWERED_LATE], START, at(4, 0), "plan", NOW)
    assert report.total.paused_seconds == 12 * 3600


def test_csv_has_a_row_per_group_and_a_total() -> None:
    report = build_report(TICKETS, START, END, "plan", NOW)
    rows = list(csv.DictReader(io.StringIO(
        "\n".join(",".join(row) for row in csv_rows(report)))))
    assert [row["plan"] for row in rows] == ["basic", "premium", "total"]
    premium = rows[1]
    assert premium["escalations_level_1"] == "1" and premium["escalations_level_2"] == "1"
    assert premium["pages_level_1"] == "0"
    assert premium["first_response_median_seconds"] == "2100.0"
    assert rows[0]["rating_average"] == "" and premium["rating_average"] == "4.0"
    assert rows[2]["callbacks_within_limit"] == "1"


def test_a_customer_name_that_is_a_formula_reaches_the_csv_as_text() -> None:
    from dataclasses import replace

    named = [replace(ANSWERED_LATE, customer='=HYPERLINK("https://evil.example","x")'),
             replace(ANSWERED_IN_TIME, customer="@SUM(A1)")]
    report = build_report(named, START, END, "customer", NOW)
    keys = sorted(row[0] for row in csv_rows(report)[1:])
    assert keys == ["'=HYPERLINK(\"https://evil.example\",\"x\")", "'@SUM(A1)", "total"]


def test_a_csv_cell_is_neutralised_only_where_it_is_text() -> None:
    assert [csv_cell(text) for text in ("=1+1", "+1", "-1", "@x", "\tx", "\rx")] == [
        "'=1+1", "'+1", "'-1", "'@x", "'\tx", "'\rx"]
    assert csv_cell("Acme - EU") == "Acme - EU"
    # Figures are written as numbers, a negative one too; no figure is an empty cell.
    assert (csv_cell(-3), csv_cell(-0.25), csv_cell(None)) == ("-3", "-0.25", "")


def test_percentiles() -> None:
    values = [float(n) for n in range(10, 0, -1)]
    assert median(values) == 5.5
    assert nearest_rank(values, 90) == 9.0
    assert nearest_rank(values, 100) == 10.0
    assert nearest_rank([7.0], 90) == 7.0
    assert nearest_rank([], 90) is None and median([]) is None


def test_week_of_is_the_monday() -> None:
    assert week_of(datetime(2026, 11, 22, 23, 0, tzinfo=UTC)) == datetime(2026, 11, 16, tzinfo=UTC)


def test_an_internal_target_is_counted_apart_from_the_customers_attainment() -> None:
    """A first response the contract does not state (an internal target) that was missed is
    no breach of the customer's SLA: it shows under internal targets only."""
    from dataclasses import replace

    internal = replace(ANSWERED_LATE, ticket_id="T-OLA",
                       internal_clocks=frozenset({"first_response"}), logged_messages=2)
    report = build_report([ANSWERED_IN_TIME, internal], START, END, "plan", NOW)
    total = report.total.as_dict()
    assert total["first_response"]["met"] == 1  # type: ignore[index]
    assert total["first_response"]["breached"] == 0  # type: ignore[index]
    assert total["first_response"]["attainment"] == 1.0  # type: ignore[index]
    assert total["internal_targets"]["first_response"] == {  # type: ignore[index]
        "met": 0, "missed": 1, "attainment": 0.0}
    assert total["messages_logged"] == 2
    header, *rows = csv_rows(report)
    last = dict(zip(header, rows[-1], strict=True))
    assert last["first_response_breached"] == "0"
    assert last["internal_first_response_missed"] == "1"
    assert last["messages_logged"] == "2"

"""The report's ratings come from the feedback entries' ``rating``, never from their words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reports.attainment import ReportEntry, ReportTicket, build_report, ticket_figures
from sla.vocabulary import TimelineKind

START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
END = START + timedelta(days=7)


def closed_ticket(ticket_id: str, *feedback: ReportEntry) -> ReportTicket:
    created = START + timedelta(hours=9)
    return ReportTicket(
        ticket_id=ticket_id, created_at=created, plan="premium", customer="Acme",
        severity="major", agent="Ann", first_response_state="met", resolution_state="met",
        timeline=(ReportEntry(created, TimelineKind.CREATED),
                  ReportEntry(created + timedelta(minutes=10), TimelineKind.AGENT_RESPONSE),
                  ReportEntry(created + timedelta(hours=1), TimelineKind.STATUS_CLOSED),
                  *feedback))


def rated(rating: int | None, detail: str = "") -> ReportEntry:
    return ReportEntry(START + timedelta(hours=11), TimelineKind.FEEDBACK, detail, rating=rating)


def test_each_feedback_entry_counts_its_rating() -> None:
    reopened_and_rated_again = closed_ticket("T-1", rated(2, "rated 2/5: slow"), rated(5))
    figures = ticket_figures(reopened_and_rated_again, END)
    assert figures.ratings == (2, 5)
    feedback = build_report([reopened_and_rated_again, closed_ticket("T-2", rated(4))],
                            START, END, "plan", END).total.as_dict()["feedback"]
    assert feedback == {"ratings": 3, "average": 3.67,
                        "by_rating": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}}


def test_words_are_not_a_rating() -> None:
    """An entry without a rating (none was recorded) counts none, whatever its text says;
    other entries never count, even with a number in their words."""
    words_only = closed_ticket("T-1", rated(None, "rated 4/5: quick"))
    assert ticket_figures(words_only, END).ratings == ()
    reply = ReportEntry(START + timedelta(hours=12), TimelineKind.CUSTOMER_REPLY,
                        "rated 5/5 by my boss", rating=5)
    assert ticket_figures(closed_ticket("T-2", reply), END).ratings == ()

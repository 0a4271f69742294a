"""Recorded tickets for the attainment report, worked out by hand: answered in time, answered
late, an emergency call, unanswered, and two just outside the period (2-16 November 2026).
The report's unit tests check its figures on them; the API's test records them through the
real stack and expects the same figures back."""

from __future__ import annotations

from datetime import UTC, datetime

from reports.attainment import ReportEntry, ReportTicket

START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
END = datetime(2026, 11, 16, tzinfo=UTC)
NOW = datetime(2026, 11, 10, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def entry(when: datetime, kind: str, detail: str = "", clock: str | None = None,
          level: int | None = None, rating: int | None = None) -> ReportEntry:
    return ReportEntry(at=when, kind=kind, detail=detail, clock=clock, level=level,
                       rating=rating)


def ticket(ticket_id: str, created: datetime, plan: str, customer: str, severity: str,
           agent: str | None, first: str | None, resolution: str | None,
           *timeline: ReportEntry) -> ReportTicket:
    return ReportTicket(ticket_id=ticket_id, created_at=created, plan=plan, customer=customer,
                        severity=severity, agent=agent, first_response_state=first,
                        resolution_state=resolution,
                        timeline=(entry(created, "created"), *timeline))


ANSWERED_IN_TIME = ticket(
    "T-1", at(2, 9), "premium", "Acme", "critical", "Ann", "met", "met",
    entry(at(2, 9, 10), "agent_response"),                   # 600 s
    entry(at(2, 10), "status_waiting_on_customer"),
    entry(at(2, 11), "status_open"),                         # 3,600 s paused
    entry(at(2, 11, 30), "customer_reply"),
    entry(at(2, 12), "status_resolution_proposed"),
    entry(at(2, 13), "status_closed"),
    entry(at(2, 14), "feedback", "rated 4/5: quick", rating=4),
)
ANSWERED_LATE = ticket(
    "T-2", at(3, 9), "premium", "Acme", "major", "Bob", "breached", "running",
    entry(at(3, 9, 30), "sla_breach", "first response clock breached", clock="first_response"),
    entry(at(3, 9, 30), "escalated", "level 1: Lead (team_lead)", clock="first_response",
          level=1),
    entry(at(3, 10), "agent_response"),                      # 3,600 s
    entry(at(3, 11), "escalated", "level 2: Tess (tam)", clock="next_update", level=2),
    entry(at(3, 12), "status_waiting_on_customer"),          # still waiting at NOW: 6.5 days
)
EMERGENCY = ticket(
    "T-3", at(9, 8), "basic", "Globex", "minor", None, "met", None,
    entry(at(9, 8), "emergency_call", "phone call from Rita"),
    entry(at(9, 8, 15), "sla_breach", "callback clock breached", clock="callback"),
    entry(at(9, 8, 15), "paged", "level 1: On call (on_call)", clock="callback", level=1),
    entry(at(9, 8, 20), "callback_made", "reached: restarted"),  # 1,200 s, late
    entry(at(9, 8, 30), "emergency_call", "phone call from Rita"),
    entry(at(9, 8, 31), "callback_already_pending"),
    entry(at(9, 8, 35), "callback_made", "reached"),             # in time
)
UNANSWERED = ticket("T-4", at(9, 10), "basic", "Globex", "minor", None, "running", "running")
BEFORE = ticket("T-0", datetime(2026, 11, 1, 23, 59, tzinfo=UTC), "basic", "Globex", "minor",
                None, "met", "met", entry(at(2, 1), "agent_response"))
AT_END = ticket("T-5", END, "basic", "Globex", "minor", None, "running", "running")
TICKETS = [ANSWERED_IN_TIME, ANSWERED_LATE, EMERGENCY, UNANSWERED, BEFORE, AT_END]

"""Reading the tickets of a report period from the projection, for ``reports.attainment``."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, col, func, select

from reports.attainment import ReportEntry, ReportTicket
from sla.vocabulary import STATUS_KINDS, DeliveryStatus, TimelineKind
from store.models import (
    Customer,
    OutboxMessage,
    Ticket,
    TimelineEvent,
    as_utc,
    internal_clock_names,
)
from tickets.errors import Invalid, invalid

#: The longest period one request may cover: a year and a day (a leap year's Dec 31 included).
LONGEST_PERIOD = timedelta(days=367)
DEFAULT_PERIOD = timedelta(days=28)
#: The timeline entries the figures are made of; the rest are not read.
COUNTED_KINDS = (TimelineKind.AGENT_RESPONSE, TimelineKind.CALLBACK_MADE, TimelineKind.SLA_BREACH,
                 TimelineKind.ESCALATED, TimelineKind.PAGED, TimelineKind.EMERGENCY_CALL,
                 TimelineKind.CALLBACK_ALREADY_PENDING, TimelineKind.FEEDBACK,
                 *sorted(STATUS_KINDS))


def _invalid(name: str, message: str) -> Invalid:
    return invalid(("query", name), message)


def parse_moment(name: str, text: str, *, whole_day_end: bool = False) -> datetime:
    """A date (``2026-11-30``) or an ISO 8601 time; a time without an offset is UTC.

    A date as the end of a period includes that whole day: ``from=2026-11-01&to=2026-11-30``
    is November.
    """
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC) + (
                timedelta(days=1) if whole_day_end else timedelta(0))
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _invalid(name, f"{text!r} is not a date (2026-11-30) or an ISO 8601 datetime "
                             "(2026-11-30T12:00:00+01:00)") from None
    return as_utc(moment)


def report_period(start_text: str | None, end_text: str | None,
                  now: datetime) -> tuple[datetime, datetime]:
    """The period asked for: ``to`` defaults to now, ``from`` to four weeks before it."""
    end = parse_moment("to", end_text, whole_day_end=True) if end_text else now
    start = parse_moment("from", start_text) if start_text else end - DEFAULT_PERIOD
    if start >= end:
        raise _invalid("from", f"'from' ({start.isoformat()}) must be before 'to' "
                               f"({end.isoformat()})")
    if end - start > LONGEST_PERIOD:
        raise _invalid("to", f"a report covers at most {LONGEST_PERIOD.days} days; ask for "
                             "shorter periods and add them up")
    return start, end


def report_tickets(session: Session, start: datetime, end: datetime) -> list[ReportTicket]:
    """The tickets created in [start, end) with their counted timeline entries, in order."""
    created_in_period = (col(Ticket.created_at) >= start) & (col(Ticket.created_at) < end)
    rows = session.exec(
        select(Ticket, Customer.name, Customer.id).join(Customer, col(Customer.id) == col(Ticket.customer_id))
        .where(created_in_period)).all()
    entries: defaultdict[str, list[ReportEntry]] = defaultdict(list)
    timeline = (select(TimelineEvent).join(Ticket, col(Ticket.id) == col(TimelineEvent.ticket_id))
                .where(created_in_period, col(TimelineEvent.kind).in_(COUNTED_KINDS))
                .order_by(col(TimelineEvent.ticket_id), col(TimelineEvent.seq)))
    for event in session.exec(timeline):
        entries[event.ticket_id].append(ReportEntry(
            at=event.at, kind=event.kind, detail=event.detail, clock=event.clock,
            level=event.level, rating=event.rating))
    logged = dict(session.exec(
        select(OutboxMessage.ticket_id, func.count())
        .join(Ticket, col(Ticket.id) == col(OutboxMessage.ticket_id))
        .where(created_in_period, OutboxMessage.status == DeliveryStatus.LOGGED)
        .group_by(col(OutboxMessage.ticket_id))).all())
    return [
        ReportTicket(ticket_id=ticket.id, created_at=ticket.created_at, plan=ticket.plan,
                     customer=f"{customer_name} (#{customer_id})", severity=ticket.severity,
                     agent=ticket.assignee_name,
                     first_response_state=ticket.first_response_state,
                     resolution_state=ticket.resolution_state,
                     timeline=tuple(entries[ticket.id]),
                     internal_clocks=frozenset(internal_clock_names(ticket)),
                     logged_messages=logged.get(ticket.id, 0))
        for ticket, customer_name, customer_id in rows
    ]

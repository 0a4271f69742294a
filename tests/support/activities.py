"""What the activity tests share: a ticket's projection as the workflow sends it to
``record_ticket``, and the customer its rows belong to."""

from __future__ import annotations

from datetime import UTC, datetime

from sla.ticket.state import TimelineEntry
from sla.ticket.view import ClockView, TicketProjection, TicketView
from store.db import SessionFactory
from store.models import Customer

#: Monday 2 March 2026, 09:00 UTC: when the ticket of these projections opened.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def projection(version: int, status: str, timeline: list[TimelineEntry]) -> TicketProjection:
    first_response = ClockView(
        name="first_response", state="running", target_seconds=1800,
        due_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC), remaining_seconds=1800, warned=False,
        breached_at=None, stopped_at=None,
    )
    view = TicketView(
        ticket_id="TCK-1", customer_id=1, subject="Down", description="x", severity="critical",
        type="problem", channel="api", plan="premium", status=status, escalation_level=0,
        escalated_to=None, breached=False, assignee=None, created_at=NOW,
        first_responded_at=None, closed_at=None, close_reason=None, clocks=[first_response],
        as_of=NOW, version=version,
    )
    return TicketProjection(view=view, timeline=timeline)


def add_customer(sessions: SessionFactory) -> None:
    """Customer 1, whom the projections' ticket belongs to."""
    with sessions() as session:
        session.add(Customer(id=1, name="Acme", plan="premium"))
        session.commit()

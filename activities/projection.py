"""``record_ticket``: keeps the database projection of a ticket current."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import col, select
from temporalio import activity

from sla.ticket import TicketProjection
from store.db import SessionFactory
from store.models import Ticket, TimelineEvent


def _due(projection: TicketProjection, clock: str) -> datetime | None:
    value = projection.clocks.get(clock, {}).get("due_at")
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _state(projection: TicketProjection, clock: str) -> str | None:
    value = projection.clocks.get(clock, {}).get("state")
    return value if isinstance(value, str) else None


class ProjectionActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions

    @activity.defn(name="record_ticket")
    def record_ticket(self, projection: TicketProjection) -> None:
        """Upsert the ticket row and add the new timeline entries, in one transaction.

        Idempotent: a retried call finds its timeline entries by (ticket, seq) and
        never lets an older version overwrite a newer row.
        """
        with self.sessions() as session:
            ticket = session.get(Ticket, projection.ticket_id)
            if ticket is None:
                ticket = Ticket(id=projection.ticket_id, customer_id=projection.customer_id,
                                subject=projection.subject, severity=projection.severity,
                                type=projection.type, channel=projection.channel,
                                plan=projection.plan, status=projection.status,
                                created_at=projection.created_at, version=-1)
            if projection.version >= ticket.version:
                ticket.status = projection.status
                ticket.severity = projection.severity
                ticket.escalation_level = projection.escalation_level
                ticket.breached = projection.breached
                ticket.assignee_name = projection.assignee_name
                ticket.closed_at = projection.closed_at
                ticket.close_reason = projection.close_reason
                ticket.first_response_due = _due(projection, "first_response")
                ticket.first_response_state = _state(projection, "first_response")
                ticket.next_update_due = _due(projection, "next_update")
                ticket.next_update_state = _state(projection, "next_update")
                ticket.resolution_due = _due(projection, "resolution")
                ticket.resolution_state = _state(projection, "resolution")
                ticket.version = projection.version
                ticket.updated_at = datetime.now(UTC)
                session.add(ticket)
            if projection.timeline:
                recorded = set(session.exec(
                    select(TimelineEvent.seq).where(
                        TimelineEvent.ticket_id == projection.ticket_id,
                        col(TimelineEvent.seq).in_([e.seq for e in projection.timeline]),
                    )
                ))
                for entry in projection.timeline:
                    if entry.seq not in recorded:
                        session.add(TimelineEvent(ticket_id=projection.ticket_id, seq=entry.seq,
                                                  at=entry.at, kind=entry.kind,
                                                  actor=entry.actor, detail=entry.detail))
            session.commit()

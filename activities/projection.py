"""``record_ticket``: keeps the database projection of a ticket current."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import col, select
from temporalio import activity

from sla.view import TicketProjection
from store.db import SessionFactory
from store.models import Ticket, TimelineEvent


class ProjectionActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions

    @activity.defn(name="record_ticket")
    def record_ticket(self, projection: TicketProjection) -> None:
        """Upsert the ticket row and add the new timeline entries, in one transaction.

        Idempotent: a retried call finds its timeline entries by (ticket, seq) and
        never lets an older version overwrite a newer row.
        """
        view = projection.view
        with self.sessions() as session:
            ticket = session.get(Ticket, view.ticket_id)
            if ticket is None:
                ticket = Ticket(id=view.ticket_id, customer_id=view.customer_id,
                                subject=view.subject, description=view.description,
                                duplicate_of=view.duplicate_of, severity=view.severity,
                                type=view.type,
                                channel=view.channel, plan=view.plan, status=view.status,
                                created_at=view.created_at, version=-1)
            if view.version >= ticket.version:
                ticket.status = view.status
                ticket.severity = view.severity
                ticket.escalation_level = view.escalation_level
                ticket.breached = view.breached
                ticket.assignee_name = view.assignee.name if view.assignee else None
                ticket.closed_at = view.closed_at
                ticket.close_reason = view.close_reason
                clocks = {clock.name: clock for clock in view.clocks}
                for name in ("first_response", "next_update", "resolution"):
                    clock = clocks.get(name)
                    setattr(ticket, f"{name}_due", clock.due_at if clock else None)
                    setattr(ticket, f"{name}_state", clock.state if clock else None)
                ticket.next_due_at = view.next_due_at
                ticket.next_due_clock = view.next_due_clock
                ticket.version = view.version
                ticket.updated_at = datetime.now(UTC)
                session.add(ticket)
            if projection.timeline:
                recorded = set(session.exec(
                    select(TimelineEvent.seq).where(
                        TimelineEvent.ticket_id == view.ticket_id,
                        col(TimelineEvent.seq).in_([e.seq for e in projection.timeline]),
                    )
                ))
                for entry in projection.timeline:
                    if entry.seq not in recorded:
                        session.add(TimelineEvent(ticket_id=view.ticket_id, seq=entry.seq,
                                                  at=entry.at, kind=entry.kind,
                                                  actor=entry.actor, detail=entry.detail))
            session.commit()

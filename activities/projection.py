"""``record_ticket``: keeps the database projection of a ticket current."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DataError, IntegrityError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.metrics import SlaMetrics
from sla.ticket.clocks import INTERNAL_TARGET
from sla.ticket.view import TicketProjection, TicketView
from sla.vocabulary import CoverageState, WorkflowStep
from store.db import SessionFactory, insert_or_merge
from store.models import ROW_CLOCKS, SLOT_USES, TICKETS, TIMELINE

#: The error type of a projection the database refuses for good: retrying the same row
#: cannot succeed (the ticket's workflow records it and tries again much later).
PROJECTION_REFUSED = "ProjectionRefused"

#: Written at creation and never changed by a later version.
CREATION_ONLY = ("id", "customer_id", "subject", "description", "type", "channel", "plan",
                 "created_at")


def _row(view: TicketView) -> dict[str, Any]:
    clocks = {clock.name: clock for clock in view.clocks}
    row: dict[str, Any] = {
        "id": view.ticket_id, "customer_id": view.customer_id, "subject": view.subject,
        "description": view.description, "duplicate_of": view.duplicate_of,
        "type": view.type, "channel": view.channel, "plan": view.plan,
        "created_at": view.created_at,
        "status": view.status, "severity": view.severity,
        "escalation_level": view.escalation_level, "breached": view.breached,
        "assignee_name": view.assignee.name if view.assignee else None,
        "closed_at": view.closed_at, "close_reason": view.close_reason,
        "next_due_at": view.next_due_at, "next_due_clock": view.next_due_clock,
        "version": view.version, "updated_at": datetime.now(UTC),
        "coverage": None if view.coverage is None
        else CoverageState.COVERED.value if view.coverage.covered
        else CoverageState.NOT_COVERED.value,
        "first_responded_at": view.first_responded_at,
        "feedback_link_digest": view.feedback_link_digest,
        "internal_clocks": ",".join(clock.name for clock in view.clocks
                                    if clock.kind == INTERNAL_TARGET) or None,
    }
    for name in ROW_CLOCKS:
        clock = clocks.get(name)
        row[f"{name}_due"] = clock.due_at if clock else None
        row[f"{name}_state"] = clock.state if clock else None
    return row


def _settle_slot(connection: Connection, view: TicketView) -> None:
    """The ticket's slot is spent when an agent starts work (its first response), and given
    back when it closes before anyone did. Idempotent: each changes a row once."""
    if view.coverage is None or view.coverage.contract_id is None:
        return
    mine = (SLOT_USES.c.ticket_id == view.ticket_id) & SLOT_USES.c.consumed_at.is_(None) \
        & SLOT_USES.c.released_at.is_(None)
    if view.first_responded_at is not None:
        connection.execute(SLOT_USES.update().where(mine)
                           .values(consumed_at=view.first_responded_at))
    elif view.closed_at is not None:
        connection.execute(SLOT_USES.update().where(mine).values(released_at=view.closed_at))


class ProjectionActivities:
    def __init__(self, sessions: SessionFactory, metrics: SlaMetrics | None = None) -> None:
        self.sessions = sessions
        self.metrics = metrics or SlaMetrics()

    @activity.defn(name="record_ticket")
    def record_ticket(self, projection: TicketProjection) -> None:
        """Upsert the ticket row and add the new timeline entries, in one transaction.

        Idempotent: a retried call adds no timeline entry twice ((ticket, seq) is unique)
        and never lets an older version overwrite a newer row. Two statements and one
        commit: this runs on every step of every ticket, inside its workflow task. The
        entries the insert returns are the new ones: only those are counted in the metrics.
        """
        try:
            inserted = self._record(projection)
        except (DataError, IntegrityError) as error:
            # The data itself is refused (a NUL in PostgreSQL text, a value out of range):
            # the same row fails on every attempt, so it is not retried.
            self.metrics.step_failed(WorkflowStep.RECORD_TICKET, permanent=True)
            raise ApplicationError("the database refuses the ticket's row: "
                                   f"{str(error.orig).strip().splitlines()[0]}",
                                   type=PROJECTION_REFUSED, non_retryable=True) from None
        except Exception:
            self.metrics.step_failed(WorkflowStep.RECORD_TICKET, permanent=False)
            raise
        self.metrics.projected(projection.view, (entry for entry in projection.timeline
                                                 if entry.seq in inserted))

    def _record(self, projection: TicketProjection) -> set[int]:
        """The row and the new timeline entries in one transaction; the entries' numbers
        that were new."""
        view = projection.view
        row = _row(view)
        with self.sessions() as session:
            connection = session.connection()
            upsert = insert_or_merge(connection, TICKETS).values(row)
            connection.execute(upsert.on_conflict_do_update(
                index_elements=["id"],
                set_={name: upsert.excluded[name] for name in row if name not in CREATION_ONLY},
                where=TICKETS.c.version <= upsert.excluded.version,
            ))
            inserted: set[int] = set()
            if projection.timeline:
                inserted = set(connection.execute(
                    insert_or_merge(connection, TIMELINE).on_conflict_do_nothing(
                        index_elements=["ticket_id", "seq"]).returning(TIMELINE.c.seq),
                    [{"ticket_id": view.ticket_id, "seq": entry.seq, "at": entry.at,
                      "kind": entry.kind, "actor": entry.actor, "detail": entry.detail,
                      "clock": entry.clock, "level": entry.level, "rating": entry.rating}
                     for entry in projection.timeline],
                ).scalars())
            _settle_slot(connection, view)
            session.commit()
        return inserted

"""Listing tickets from Temporal's visibility store, through their search attributes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from temporalio.client import Client

from workflows import search_attributes as sa
from workflows.ticket import TicketWorkflow


class TicketVisibilityRow(BaseModel):
    """A ticket as Temporal's visibility store sees it (``GET /tickets?source=temporal``)."""

    id: str
    customer_id: int | None
    type: str | None
    severity: str | None
    plan: str | None
    status: str | None
    escalation_level: int | None
    breached: bool | None
    next_due_at: datetime | None
    next_due_clock: str | None
    started_at: datetime | None


def visibility_query(
    task_queue: str, status: str | None, severity: str | None, customer_id: int | None,
    breached: bool | None,
) -> str:
    """The List Filter the Web UI would take for the same question."""
    clauses = [f"WorkflowType = '{TicketWorkflow.__name__}'", f"TaskQueue = '{task_queue}'"]
    if status is not None:
        clauses.append(f"{sa.TICKET_STATUS.name} = '{status}'")
    if severity is not None:
        clauses.append(f"{sa.TICKET_SEVERITY.name} = '{severity}'")
    if customer_id is not None:
        clauses.append(f"{sa.CUSTOMER_ID.name} = {int(customer_id)}")
    if breached is not None:
        clauses.append(f"{sa.SLA_BREACHED.name} = {'true' if breached else 'false'}")
    return " AND ".join(clauses)


async def list_from_visibility(
    client: Client, task_queue: str, status: str | None, severity: str | None,
    customer_id: int | None, breached: bool | None, limit: int, offset: int,
) -> list[TicketVisibilityRow]:
    # Our task queue: another deployment's tickets may share the namespace.
    query = visibility_query(task_queue, status, severity, customer_id, breached)
    rows = []
    async for execution in client.list_workflows(query, limit=offset + limit):
        found = execution.typed_search_attributes
        rows.append(TicketVisibilityRow(
            id=execution.id,
            customer_id=found.get(sa.CUSTOMER_ID),
            type=found.get(sa.TICKET_TYPE),
            severity=found.get(sa.TICKET_SEVERITY),
            plan=found.get(sa.TICKET_PLAN),
            status=found.get(sa.TICKET_STATUS),
            escalation_level=found.get(sa.ESCALATION_LEVEL),
            breached=found.get(sa.SLA_BREACHED),
            next_due_at=found.get(sa.NEXT_DUE_AT),
            next_due_clock=found.get(sa.NEXT_DUE_CLOCK),
            started_at=execution.start_time,
        ))
    return rows[offset:]

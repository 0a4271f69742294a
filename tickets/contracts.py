"""Which contract covers a request, and covering the requests that waited for a slot once
a contract is added (by ``workflows.covering.CoveringWorkflow``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy

from sla.policy.entitlements import Decision
from sla.policy.rules import Policy
from sla.vocabulary import CoverageState, TicketStatus
from store.contracts import decide_for as store_decide_for
from store.models import Customer, Ticket
from tickets.services import result_or_progress
from workflows.covering import CoveringWorkflow
from workflows.messages import CoveringInput, CoveringProgress, WaitingRequest


def slot_needs(policy: Policy, ticket_type: str) -> dict[str, bool]:
    """For each plan of the policy, whether a request of this type on it needs a slot."""
    return {plan: policy.needs_slot(plan, ticket_type) for plan in policy.plans}


def decide_for(session: Session, policy: Policy, customer: Customer, ticket_type: str,
               at: datetime) -> Decision:
    assert customer.id is not None
    return store_decide_for(session, customer.id, customer.plan, slot_needs(policy, ticket_type),
                            at)


def covering_id(customer_id: int, contract_id: int) -> str:
    """One covering per contract: asking again while it runs follows that one."""
    return f"covering-{customer_id}-{contract_id}"


def plan_covering(session: Session, policy: Policy, customer: Customer) -> CoveringInput:
    """The customer's requests that wait for a slot, oldest first, and the policy's slot
    rules for their types, frozen now."""
    assert customer.id is not None
    waiting = session.exec(select(Ticket).where(
        Ticket.customer_id == customer.id, Ticket.coverage == CoverageState.NOT_COVERED,
        Ticket.status != TicketStatus.CLOSED).order_by(col(Ticket.created_at))).all()
    return CoveringInput(
        customer_id=customer.id, customer_plan=customer.plan,
        needs={ticket_type: slot_needs(policy, ticket_type)
               for ticket_type in {ticket.type for ticket in waiting}},
        requests=[WaitingRequest(ticket.id, ticket.type) for ticket in waiting])


async def cover_waiting_tickets(client: Client, task_queue: str, workflow_id: str,
                                covering: CoveringInput,
                                wait: timedelta) -> tuple[bool, CoveringProgress]:
    """After a contract is added: the customer's waiting requests take a slot each, oldest
    first, while slots last, by ``workflows.covering.CoveringWorkflow``. Waits for it up to
    ``wait``: whether it finished, and where it stands (it goes on after ``wait`` either
    way, and whatever happens to the caller)."""
    handle = await client.start_workflow(
        CoveringWorkflow.run, covering, id=workflow_id, task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        static_summary=f"cover {len(covering.requests)} waiting requests of customer "
                       f"#{covering.customer_id}")
    return await result_or_progress(handle, lambda: handle.query(CoveringWorkflow.progress),
                                    wait, CoveringProgress(total=len(covering.requests)))

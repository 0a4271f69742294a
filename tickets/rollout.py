"""Bringing open tickets under another plan or policy version: planned here, carried out by
``workflows.rollout.RolloutWorkflow``, each ticket through its own workflow.

Used by ``POST /customers/{id}/plan`` with ``apply_to_open`` and by ``policy apply``. The
rollout is durable work: it goes on if whoever started it goes away, ``progress`` says
how far it is, and running the same rollout again only retries what failed (a ticket
already under the plan and policy version is left alone); applying the previous file the
same way rolls it back. While one rollout of the same scope and version runs, asking
again follows that one instead of starting a second.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError, RPCStatusCode

from sla.policy.rules import Policy
from sla.policy.snapshot import PlanSnapshot
from sla.vocabulary import TicketStatus
from store.models import Contract, Customer, Ticket
from tickets.commands import customer_contact, customer_tam
from tickets.errors import NotFound, Unavailable
from tickets.services import result_or_progress
from workflows.messages import RolloutInput, RolloutProgress, RolloutTarget
from workflows.rollout import RolloutWorkflow


def open_tickets(session: Session, customer_id: int | None = None) -> list[Ticket]:
    """Open tickets that carry clocks (a linked duplicate has none), oldest first."""
    query = select(Ticket).where(Ticket.status != TicketStatus.CLOSED,
                                 col(Ticket.duplicate_of).is_(None))
    if customer_id is not None:
        query = query.where(Ticket.customer_id == customer_id)
    return list(session.exec(query.order_by(col(Ticket.created_at))))


def plan_rollout(session: Session, policy: Policy, tickets: list[Ticket], actor: str,
                 reason: str) -> RolloutInput:
    """Each ticket takes its customer's current plan from ``policy``, frozen now; a ticket
    taken on the tier of one of the customer's contracts keeps that tier. One snapshot per
    customer and tier (it resolves the calendars' holidays); a ticket with no plan to take
    is failed at once, with the reason."""
    plans: dict[str, PlanSnapshot] = {}
    refused: dict[str, str] = {}
    targets: list[RolloutTarget] = []
    progress = RolloutProgress(total=len(tickets))
    now = datetime.now(UTC)
    for ticket in tickets:
        tiers = set(session.exec(select(Contract.tier).where(
            Contract.customer_id == ticket.customer_id)))
        customer = session.get(Customer, ticket.customer_id)
        wanted = ticket.plan if ticket.plan in tiers else (customer.plan if customer else "?")
        key = f"{ticket.customer_id}:{wanted}"
        if key not in plans and key not in refused:
            if customer is None or wanted not in policy.plans:
                refused[key] = (f"the customer's plan {wanted!r} is not in "
                                f"{policy.source_name or 'the policy'}")
            else:
                plans[key] = policy.snapshot(wanted, customer_tam(customer), now,
                                             customer=customer_contact(customer))
        if key in refused:
            progress.failed[ticket.id] = refused[key]
        else:
            targets.append(RolloutTarget(ticket_id=ticket.id, plan=key))
    return RolloutInput(plans=plans, targets=targets, actor=actor, reason=reason,
                        progress=progress)


def rollout_id(policy: Policy, scope: str) -> str:
    """The same scope and policy version: the same rollout while it runs."""
    return f"rollout-{scope}-{policy.source_name or 'policy'}-{policy.content_hash}"


async def start_rollout(client: Client, task_queue: str, workflow_id: str,
                        rollout: RolloutInput) -> WorkflowHandle[RolloutWorkflow, RolloutProgress]:
    return await client.start_workflow(
        RolloutWorkflow.run, rollout, id=workflow_id, task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        static_summary=f"{rollout.progress.total} open tickets: {rollout.reason}"[:200])


async def progress_of(client: Client, workflow_id: str) -> tuple[bool, RolloutProgress]:
    """Whether the rollout has finished, and where it stands."""
    handle = client.get_workflow_handle_for(RolloutWorkflow.run, workflow_id)
    description = await handle.describe()
    if description.status == WorkflowExecutionStatus.COMPLETED:
        return True, await handle.result()
    # Terminated or timed out by an operator: finished where it stopped.
    running = description.status == WorkflowExecutionStatus.RUNNING
    return not running, await handle.query(RolloutWorkflow.progress)


async def run_rollout(client: Client, task_queue: str, workflow_id: str, rollout: RolloutInput,
                      wait: timedelta) -> tuple[bool, RolloutProgress]:
    """Start the rollout and wait for it up to ``wait``: whether it finished, and where it
    stands (it goes on after ``wait`` either way)."""
    handle = await start_rollout(client, task_queue, workflow_id, rollout)
    return await result_or_progress(handle, lambda: handle.query(RolloutWorkflow.progress),
                                    wait, rollout.progress)


async def rollout_progress(client: Client, workflow_id: str,
                           wait: timedelta) -> tuple[bool, RolloutProgress]:
    """``progress_of`` for a caller who cannot wait long: a rollout nobody started is
    ``NotFound``; one whose worker does not answer within ``wait`` is ``Unavailable``
    (progress is the rollout's own answer: with no worker running, nobody gives it)."""
    try:
        return await asyncio.wait_for(progress_of(client, workflow_id),
                                      timeout=wait.total_seconds())
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise NotFound(f"no rollout {workflow_id}") from None
        raise
    except TimeoutError:
        raise Unavailable("no worker answered for the rollout; it goes on once one "
                          "runs") from None

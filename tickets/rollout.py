"""Bringing open tickets under another plan or policy version: started here, carried out by
``workflows.rollout.PagedRolloutWorkflow``, each ticket through its own workflow.

Used by ``POST /customers/{id}/plan`` with ``apply_to_open`` and by ``policy apply``. The
rollout is durable work: it goes on if whoever started it goes away, ``progress`` says
how far it is, and running the same rollout again only retries what failed (a ticket
already under the plan and policy version is left alone); applying the previous file the
same way rolls it back. While one rollout of the same scope and version runs, asking
again follows that one instead of starting a second.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlmodel import Session
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError, RPCStatusCode

from sla.policy.rules import Policy
from store.models import Ticket
from store.rollouts import count_open_tickets, open_tickets, plan_tickets
from tickets.errors import NotFound, Unavailable
from tickets.services import result_or_progress
from workflows.messages import RetargetOutcome, RolloutInput, RolloutProgress, RolloutTarget
from workflows.rollout import PagedRolloutWorkflow, RolloutWorkflow


def plan_rollout(session: Session, policy: Policy, tickets: list[Ticket], actor: str,
                 reason: str) -> RolloutInput:
    """A rollout that carries its tickets and their plans (``store.rollouts.plan_tickets``);
    a ticket with no plan to take is failed at once, with the reason. For a few tickets:
    ``paged_rollout`` is what the API and the CLI start."""
    planned = plan_tickets(session, policy, tickets)
    progress = RolloutProgress(total=len(tickets))
    for ticket_id, why in planned.refused.items():
        progress.record(ticket_id, RetargetOutcome("failed", why))
    return RolloutInput(plans=planned.plans,
                        targets=[RolloutTarget(ticket_id, key) for ticket_id, key in planned.targets],
                        actor=actor, reason=reason, progress=progress)


def paged_rollout(session: Session, policy: Policy, customer_id: int | None, actor: str,
                  reason: str) -> RolloutInput:
    """A rollout that carries the policy's text and reads its tickets a page at a time (its
    input stays small for any number of customers); ``total`` is counted now."""
    return RolloutInput(plans={}, targets=[], actor=actor, reason=reason,
                        progress=RolloutProgress(total=count_open_tickets(session, customer_id)),
                        paged=True, policy_text=policy.source_text,
                        policy_name=policy.source_name or "policy.toml",
                        customer_id=customer_id)


def rollout_id(policy: Policy, scope: str) -> str:
    """The same scope and policy version: the same rollout while it runs."""
    return f"rollout-{scope}-{policy.source_name or 'policy'}-{policy.content_hash}"


async def start_rollout(client: Client, task_queue: str, workflow_id: str,
                        rollout: RolloutInput) -> WorkflowHandle[Any, RolloutProgress]:
    """Starts it under its type (a paged rollout under ``PagedRolloutWorkflow``); one of the
    same id still running is followed instead."""
    options: dict[str, Any] = {
        "id": workflow_id, "task_queue": task_queue,
        "id_conflict_policy": WorkflowIDConflictPolicy.USE_EXISTING,
        "static_summary": f"{rollout.progress.total} open tickets: {rollout.reason}"[:200]}
    if rollout.paged:
        return await client.start_workflow(PagedRolloutWorkflow.run, rollout, **options)
    return await client.start_workflow(RolloutWorkflow.run, rollout, **options)


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


__all__ = ["open_tickets", "paged_rollout", "plan_rollout", "progress_of", "rollout_id",
           "rollout_progress", "run_rollout", "start_rollout"]

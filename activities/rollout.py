"""A rollout's steps: ``plan_rollout_page`` reads the next open tickets of a paged rollout
with the plan each takes; ``retarget_ticket`` gives one ticket its new plan, through its
workflow."""

from __future__ import annotations

import functools
from pathlib import Path

from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from sla.policy.loading import PolicyError, parse_policy
from sla.policy.rules import Policy
from sla.ticket.view import TicketView
from store.db import SessionFactory
from store.models import as_utc
from store.rollouts import open_tickets_after, plan_tickets
from workflows.messages import (
    PlanChange,
    Retarget,
    RetargetOutcome,
    RolloutCursor,
    RolloutPage,
    RolloutPageRequest,
    RolloutTarget,
)


@functools.lru_cache(maxsize=8)
def _policy(text: str, name: str) -> Policy:
    # Each page of a rollout carries the same text: parsed once per worker.
    return parse_policy(text, Path(name))


class RolloutActivities:
    def __init__(self, client: Client, sessions: SessionFactory | None = None) -> None:
        self.client = client
        self.sessions = sessions

    @activity.defn(name="plan_rollout_page")
    def plan_rollout_page(self, request: RolloutPageRequest) -> RolloutPage:
        """The next open tickets after the request's cursor, each with its plan from the
        rollout's policy (as the policy reads now; a policy that no longer parses, on a
        worker of another version, fails the step for good)."""
        if self.sessions is None:
            raise ApplicationError("this worker has no database", non_retryable=True)
        try:
            policy = _policy(request.policy_text, request.policy_name)
        except PolicyError as error:
            raise ApplicationError(f"the rollout's policy does not load: {error}",
                                   non_retryable=True) from None
        after = (request.after.created_at, request.after.ticket_id) if request.after else None
        with self.sessions() as session:
            tickets = open_tickets_after(session, request.customer_id, after, request.limit)
            planned = plan_tickets(session, policy, tickets)
        last = RolloutCursor(as_utc(tickets[-1].created_at), tickets[-1].id) if tickets else None
        return RolloutPage(plans=planned.plans, targets=[
            RolloutTarget(ticket_id, key) for ticket_id, key in planned.targets],
            refused=planned.refused, last=last)

    @activity.defn(name="retarget_ticket")
    async def retarget_ticket(self, request: Retarget) -> RetargetOutcome:
        """Send the ticket's ``change_plan`` update, once: the update id makes a retried
        step re-attach to the update it sent. A transient failure (the ticket's worker slow,
        Temporal unreachable) raises, so the step is tried again; a refusal is an outcome."""
        handle = self.client.get_workflow_handle(request.ticket_id)
        plan = request.plan
        retried = activity.info().attempt > 1
        try:
            if not retried:
                current = await handle.query("sla", result_type=TicketView)
                if (current.plan, current.policy_name, current.policy_hash) == \
                        (plan.plan, plan.policy_name, plan.policy_hash):
                    return RetargetOutcome("unchanged")
            await handle.execute_update(
                "change_plan", PlanChange(plan=plan, actor=request.actor, reason=request.reason),
                id=request.update_id)
        except WorkflowUpdateFailedError as error:
            reason = str(error.cause) if error.cause is not None else str(error)
            if retried and reason.startswith("the ticket already runs under"):
                return RetargetOutcome("retargeted")  # this step's first attempt did it
            return RetargetOutcome("failed", reason)
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                return RetargetOutcome("failed", "the ticket's workflow is no longer running")
            raise
        return RetargetOutcome("retargeted")

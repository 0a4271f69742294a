"""``retarget_ticket``: one ticket of a rollout takes its new plan, through its workflow."""

from __future__ import annotations

from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from sla.ticket.view import TicketView
from workflows.messages import PlanChange, Retarget, RetargetOutcome


class RolloutActivities:
    def __init__(self, client: Client) -> None:
        self.client = client

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

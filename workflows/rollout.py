"""A rollout of a plan or policy version over open tickets, as a workflow of its own.

Started by ``POST /customers/{id}/plan`` with ``apply_to_open`` and by ``policy apply``.
It survives a crash of whoever started it (and of the worker, and of Temporal): the
tickets done stay done, the rest are done after. Each ticket is one ``retarget_ticket``
step that sends its ticket's ``change_plan`` update under an id of its own, so a retried
step never changes a ticket twice; a ticket already under the plan and policy version is
left alone, so running the same rollout again only retries what failed, and applying the
previous file the same way rolls it back.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows.messages import (
        Retarget,
        RetargetOutcome,
        RolloutInput,
        RolloutProgress,
        RolloutTarget,
    )

#: A ticket whose worker is slow is tried again; a refusal is an outcome, not a failure.
RETARGET_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1),
                             maximum_interval=timedelta(seconds=30), maximum_attempts=10)
RETARGET_TIMEOUT = timedelta(seconds=30)


@workflow.defn
class RolloutWorkflow:
    """Query ``progress``: how many tickets are done of how many, and each one's outcome."""

    @workflow.init
    def __init__(self, input: RolloutInput) -> None:
        self.so_far: RolloutProgress = input.progress

    @workflow.query
    def progress(self) -> RolloutProgress:
        return self.so_far

    @workflow.run
    async def run(self, input: RolloutInput) -> RolloutProgress:
        targets = list(input.targets)
        done_here = 0
        while targets:
            if done_here >= input.per_run:
                workflow.continue_as_new(RolloutInput(
                    plans=input.plans, targets=targets, actor=input.actor, reason=input.reason,
                    progress=self.so_far, concurrency=input.concurrency,
                    per_run=input.per_run))
            batch, targets = targets[:input.concurrency], targets[input.concurrency:]
            outcomes = await asyncio.gather(*(self._retarget(input, target) for target in batch))
            for target, outcome in zip(batch, outcomes, strict=True):
                if outcome.result == "retargeted":
                    self.so_far.retargeted.append(target.ticket_id)
                elif outcome.result == "unchanged":
                    self.so_far.unchanged.append(target.ticket_id)
                else:
                    self.so_far.failed[target.ticket_id] = outcome.reason
            done_here += len(batch)
            workflow.set_current_details(
                f"{self.so_far.done} of {self.so_far.total} tickets: "
                f"{len(self.so_far.retargeted)} re-targeted, "
                f"{len(self.so_far.unchanged)} already under it, "
                f"{len(self.so_far.failed)} failed")
        return self.so_far

    async def _retarget(self, input: RolloutInput, target: RolloutTarget) -> RetargetOutcome:
        info = workflow.info()
        request = Retarget(
            ticket_id=target.ticket_id, plan=input.plans[target.plan], actor=input.actor,
            reason=input.reason,
            # One id per rollout and ticket, the same in every run of this rollout.
            update_id=f"{info.workflow_id}:{target.ticket_id}")
        try:
            outcome: RetargetOutcome = await workflow.execute_activity(
                "retarget_ticket", request, start_to_close_timeout=RETARGET_TIMEOUT,
                retry_policy=RETARGET_RETRY, summary=f"re-target {target.ticket_id}",
                result_type=RetargetOutcome)
        except ActivityError as error:
            cause = error.cause if error.cause is not None else error
            return RetargetOutcome("failed", f"not reached: {cause}")
        return outcome

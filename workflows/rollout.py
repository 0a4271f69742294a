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
import dataclasses
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from sla.policy.snapshot import PlanSnapshot
    from workflows.messages import (
        Retarget,
        RetargetOutcome,
        RolloutInput,
        RolloutPage,
        RolloutPageRequest,
        RolloutProgress,
        RolloutTarget,
    )

#: A ticket whose worker is slow is tried again; a refusal is an outcome, not a failure.
RETARGET_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1),
                             maximum_interval=timedelta(seconds=30), maximum_attempts=10)
RETARGET_TIMEOUT = timedelta(seconds=30)
#: Reading a page is a database read: retried while the database is away, a while.
PAGE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1),
                         maximum_interval=timedelta(minutes=1))
PAGE_TIMEOUT = timedelta(seconds=60)


class _Rollout:
    """What both kinds of rollout do: re-target a batch of tickets at once, one step each,
    and keep count. Query ``progress``: how many tickets are done of how many, and each
    one's outcome."""

    @workflow.init
    def __init__(self, input: RolloutInput) -> None:
        self.so_far: RolloutProgress = input.progress

    @workflow.query
    def progress(self) -> RolloutProgress:
        return self.so_far

    async def _pages(self, input: RolloutInput) -> RolloutProgress:
        """A page of open tickets at a time, from the cursor on; the run continues as new
        between pages once it has done ``per_run`` tickets, carrying only the cursor and
        the (bounded) progress."""
        after = input.after
        done_here = 0
        while True:
            if done_here >= input.per_run:
                workflow.continue_as_new(dataclasses.replace(
                    input, progress=self.so_far, after=after))
            page: RolloutPage = await workflow.execute_activity(
                "plan_rollout_page", RolloutPageRequest(
                    policy_text=input.policy_text, policy_name=input.policy_name,
                    customer_id=input.customer_id, after=after, limit=input.page_size),
                start_to_close_timeout=PAGE_TIMEOUT, retry_policy=PAGE_RETRY,
                summary=(f"open tickets after {after.ticket_id}" if after
                         else "open tickets from the first"),
                result_type=RolloutPage)
            for ticket_id, reason in page.refused.items():
                self.so_far.record(ticket_id, RetargetOutcome("failed", reason))
            targets = list(page.targets)
            while targets:
                batch, targets = targets[:input.concurrency], targets[input.concurrency:]
                await self._retarget_batch(input, page.plans, batch)
            done_here += len(page.targets) + len(page.refused)
            if page.last is None:
                # Tickets opened or closed since it started: the total is what it did.
                self.so_far.total = self.so_far.done
                return self.so_far
            after = page.last
            self.so_far.total = max(self.so_far.total, self.so_far.done)

    async def _retarget_batch(self, input: RolloutInput, plans: dict[str, PlanSnapshot],
                              batch: list[RolloutTarget]) -> None:
        outcomes = await asyncio.gather(*(self._retarget(input, plans, target)
                                          for target in batch))
        for target, outcome in zip(batch, outcomes, strict=True):
            self.so_far.record(target.ticket_id, outcome)
        progress = self.so_far
        workflow.set_current_details(
            f"{progress.done} of {progress.total} tickets: "
            f"{progress.retargeted_count} re-targeted, "
            f"{progress.unchanged_count} already under it, "
            f"{progress.failed_count} failed")

    async def _retarget(self, input: RolloutInput, plans: dict[str, PlanSnapshot],
                        target: RolloutTarget) -> RetargetOutcome:
        info = workflow.info()
        request = Retarget(
            ticket_id=target.ticket_id, plan=plans[target.plan], actor=input.actor,
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


@workflow.defn
class RolloutWorkflow(_Rollout):
    """A rollout that carries its tickets and their plans (started before pages; kept for
    those still running)."""

    @workflow.run
    async def run(self, input: RolloutInput) -> RolloutProgress:
        if input.paged:  # started under this type by a client that should have chosen pages
            return await self._pages(input)
        targets = list(input.targets)
        done_here = 0
        while targets:
            if done_here >= input.per_run:
                workflow.continue_as_new(RolloutInput(
                    plans=input.plans, targets=targets, actor=input.actor, reason=input.reason,
                    progress=self.so_far, concurrency=input.concurrency,
                    per_run=input.per_run))
            batch, targets = targets[:input.concurrency], targets[input.concurrency:]
            await self._retarget_batch(input, input.plans, batch)
            done_here += len(batch)
        return self.so_far


@workflow.defn
class PagedRolloutWorkflow(_Rollout):
    """A rollout that reads its tickets a page at a time (``RolloutInput.paged``), under a
    type of its own: a worker from before pages does not know it, so it leaves the rollout
    to a worker that does instead of finishing it with nothing done."""

    @workflow.run
    async def run(self, input: RolloutInput) -> RolloutProgress:
        return await self._pages(input)

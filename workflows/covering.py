"""Covering a customer's waiting requests after a contract is added, as a workflow.

Started by ``POST /customers/{id}/contracts``. The requests are covered one after another,
oldest first, each by a ``cover_request`` step that decides its coverage from the
contracts and slots at that moment and sends its ticket's ``cover`` update under an id of
its own (so a retried step never covers twice). It stops at the first request no slot is
left for. It goes on if the request that started it, the worker or Temporal dies; run
again (the next contract), it covers whoever still waits.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows.messages import (
        CoveringInput,
        CoveringProgress,
        CoverOutcome,
        CoverRequest,
        WaitingRequest,
    )

#: A ticket whose worker is slow is tried again; a refusal is an outcome, not a failure.
COVER_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1),
                          maximum_interval=timedelta(seconds=30), maximum_attempts=10)
COVER_TIMEOUT = timedelta(seconds=30)


@workflow.defn
class CoveringWorkflow:
    """Query ``progress``: which requests are covered so far, and why any was not."""

    @workflow.init
    def __init__(self, input: CoveringInput) -> None:
        self.so_far = CoveringProgress(total=len(input.requests))

    @workflow.query
    def progress(self) -> CoveringProgress:
        return self.so_far

    @workflow.run
    async def run(self, input: CoveringInput) -> CoveringProgress:
        for request in input.requests:
            outcome = await self._cover(input, request)
            if outcome.result == "no_slot":
                self.so_far.stopped = outcome.reason
                break
            if outcome.result == "covered":
                self.so_far.covered.append(request.ticket_id)
            elif outcome.result == "unchanged":
                self.so_far.unchanged.append(request.ticket_id)
            else:
                self.so_far.failed[request.ticket_id] = outcome.reason
            workflow.set_current_details(
                f"{len(self.so_far.covered)} of {self.so_far.total} waiting requests covered")
        return self.so_far

    async def _cover(self, input: CoveringInput, request: WaitingRequest) -> CoverOutcome:
        step = CoverRequest(
            ticket_id=request.ticket_id, customer_id=input.customer_id,
            customer_plan=input.customer_plan, needs=input.needs.get(request.type, {}),
            update_id=f"{workflow.info().workflow_id}:{request.ticket_id}", at=workflow.now())
        try:
            outcome: CoverOutcome = await workflow.execute_activity(
                "cover_request", step, start_to_close_timeout=COVER_TIMEOUT,
                retry_policy=COVER_RETRY, summary=f"cover {request.ticket_id}",
                result_type=CoverOutcome)
        except ActivityError as error:
            cause = error.cause if error.cause is not None else error
            return CoverOutcome("failed", f"not reached: {cause}")
        return outcome

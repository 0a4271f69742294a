"""The one-step workflow of the RT write-back crash test (a module of its own: the sandbox
imports it afresh, so it imports nothing but Temporal and the step's message)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.request_tracker_messages import WRITE_BACK_ACTIVITY, RtWriteBackStep

#: Short, so the step is tried again soon after its worker died.
STEP_TIMEOUT = timedelta(seconds=8)


@workflow.defn
class RtWriteBackStepWorkflow:
    """One write-back step, as a ticket's workflow runs it."""

    @workflow.run
    async def run(self, step: RtWriteBackStep) -> bool:
        written: bool = await workflow.execute_activity(
            WRITE_BACK_ACTIVITY, step, start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1)),
            result_type=bool)
        return written

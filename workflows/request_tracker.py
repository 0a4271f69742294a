"""Request Tracker's poll, as a durable workflow: RT has no webhooks, so one workflow per
RT connector reads its ticket transactions after a cursor, on an interval.

Each poll is one activity (``request_tracker_poll``): it reads a page of transactions
after the cursor, has their events applied, and only then answers the new cursor, which
the workflow keeps in its state. A poll that fails (RT down, a refused token) is retried
by its policy and then recorded; the cursor stays, so nothing is skipped and the next poll
reads the same transactions again. A poll that moved the cursor polls again at once;
otherwise the workflow sleeps the interval (a durable timer: a worker that dies only
delays the next poll). Before its history grows large it continues as new with its cursor.

The events are applied at least once (a poll whose worker dies after applying them is run
again with the same cursor): what applies them de-duplicates by the event's id (the
transaction id), so no event is applied twice.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows.request_tracker_messages import (
        POLL_ACTIVITY,
        RtPollInput,
        RtPollOutcome,
        RtPollProgress,
        RtPollStep,
    )

#: A poll's own retries (RT briefly down); past them the poll is recorded as failed and the
#: next one waits the interval.
POLL_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1),
                         maximum_interval=timedelta(seconds=30), maximum_attempts=5,
                         non_retryable_error_types=["PermanentRequestTrackerError"])
POLL_TIMEOUT = timedelta(minutes=2)


@workflow.defn
class RequestTrackerPollWorkflow:
    """Query ``progress``: the cursor, the events applied, the polls, the last error."""

    @workflow.init
    def __init__(self, input: RtPollInput) -> None:
        self.state = RtPollProgress(cursor=input.cursor, events_applied=input.events_applied,
                                    polls=input.polls)

    @workflow.query
    def progress(self) -> RtPollProgress:
        return self.state

    @workflow.run
    async def run(self, input: RtPollInput) -> None:
        while True:
            outcome = await self._poll(input)
            if outcome is None or not outcome.more:
                await workflow.sleep(timedelta(seconds=input.interval_seconds),
                                     summary="next Request Tracker poll")
            info = workflow.info()
            if (info.is_continue_as_new_suggested()
                    or info.get_current_history_length() >= input.max_history_events):
                workflow.continue_as_new(RtPollInput(
                    connector=input.connector, cursor=self.state.cursor,
                    interval_seconds=input.interval_seconds, batch_size=input.batch_size,
                    max_history_events=input.max_history_events,
                    events_applied=self.state.events_applied, polls=self.state.polls))

    async def _poll(self, input: RtPollInput) -> RtPollOutcome | None:
        step = RtPollStep(connector=input.connector, cursor=self.state.cursor,
                          batch_size=input.batch_size)
        self.state.polls += 1
        try:
            outcome: RtPollOutcome = await workflow.execute_activity(
                POLL_ACTIVITY, step, start_to_close_timeout=POLL_TIMEOUT,
                retry_policy=POLL_RETRY, summary=f"poll after {step.cursor}",
                result_type=RtPollOutcome)
        except ActivityError as error:
            cause = error.cause if error.cause is not None else error
            self.state.last_error = str(cause)
            workflow.logger.warning("Request Tracker poll failed: %s", cause)
            return None
        # The cursor only moves forward, and only after the events are applied.
        self.state.cursor = max(self.state.cursor, outcome.cursor)
        self.state.events_applied += outcome.events
        self.state.last_error = ""
        workflow.set_current_details(
            f"cursor {self.state.cursor}, {self.state.events_applied} events applied")
        return outcome

"""The ticket's projection: the database row and timeline the API reads, written by the
``record_ticket`` activity after each change, before the change's messages go out.

A write that keeps failing (the database down, or refusing the data for good) never holds
the ticket's clocks (PROJECTION_NEVER_HOLDS): after a bounded round of attempts the
failure is recorded on the ticket (``sla.ticket.steps``), the step's messages go out
anyway, and the write is tried again after a growing pause, while the deadlines are
served as usual."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from sla.ticket import bounds, steps
    from sla.ticket.state import TicketState
    from sla.ticket.view import TicketProjection, current_details, view
    from sla.vocabulary import WorkflowStep
from workflows.delivery import ACTIVITY_RETRY, ACTIVITY_TIMEOUT, MessageDelivery
from workflows.patches import BACKGROUND_MESSAGES, PROJECTION_NEVER_HOLDS, Patches
from workflows.visibility import upsert_ticket_attributes

#: One round of the projection's write: a few attempts within half a minute, so a
#: database that does not answer holds the ticket's next deadline by that much at most.
PROJECTION_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2,
                               maximum_interval=timedelta(seconds=4), maximum_attempts=3)
PROJECTION_ROUND = timedelta(seconds=30)


class Projection:
    def __init__(self, state: TicketState, delivery: MessageDelivery, patched: Patches,
                 upsert_search_attributes: bool) -> None:
        self.state = state
        self.delivery = delivery
        self.patched = patched
        self.upsert_search_attributes = upsert_search_attributes
        #: The state version the projection holds (-1: nothing written yet).
        self.version = -1

    @property
    def failing(self) -> bool:
        return self.state.failing_step is not None

    async def flush(self, send: bool = True) -> None:
        """Write the projection, then send the messages, until nothing is pending (or,
        while the write keeps failing, until its next try). Without ``send``, the messages
        stay pending (a run about to continue as new carries them)."""
        while self.version < self.state.version or (send and self.state.pending_notifications):
            version = self.state.version
            # Tickets started before the patch keep their activity-then-one-by-one shape.
            background = self.patched(BACKGROUND_MESSAGES)
            bounded = background and self.patched(PROJECTION_NEVER_HOLDS)
            if bounded and not steps.may_try(self.state, WorkflowStep.RECORD_TICKET,
                                             workflow.now()):
                # The row waits for its next try; the step's messages do not.
                if send:
                    self.delivery.in_background()
                return
            timeline = self.state.pending_timeline
            self.state.pending_timeline = []
            record = workflow.execute_local_activity if background else workflow.execute_activity
            try:
                if bounded:
                    await workflow.execute_local_activity(
                        "record_ticket",
                        TicketProjection(view=view(self.state, workflow.now()),
                                         timeline=timeline),
                        start_to_close_timeout=ACTIVITY_TIMEOUT,
                        schedule_to_close_timeout=PROJECTION_ROUND,
                        retry_policy=PROJECTION_RETRY, summary=f"record v{version}")
                else:
                    await record(
                        "record_ticket",
                        TicketProjection(view=view(self.state, workflow.now()),
                                         timeline=timeline),
                        start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY,
                        summary=f"record v{version}")
            except FailureError as failure:  # a local activity's own error, or ActivityError
                if not bounded:
                    raise
                # Written with the next try, in order, before anything newer.
                self.state.pending_timeline[:0] = timeline
                bounds.fold_pending_timeline(self.state.pending_timeline)
                steps.step_failed(self.state, WorkflowStep.RECORD_TICKET,
                                  _reason(failure), workflow.now())
                workflow.set_current_details(current_details(self.state))
                if send:
                    self.delivery.in_background()
                return
            steps.step_succeeded(self.state, WorkflowStep.RECORD_TICKET)
            if self.upsert_search_attributes:
                upsert_ticket_attributes(self.state, self.patched)
            workflow.set_current_details(current_details(self.state))
            self.version = version
            if not send:
                continue
            if background:
                self.delivery.in_background()
            else:
                await self.delivery.one_by_one()


def _reason(failure: FailureError) -> str:
    """The activity's own error, first line (an ActivityError only says that it failed)."""
    cause: BaseException = failure
    while isinstance(cause, FailureError) and cause.cause is not None \
            and not isinstance(cause, ApplicationError):
        cause = cause.cause
    text = str(cause).strip()
    return text.splitlines()[0] if text else type(cause).__name__

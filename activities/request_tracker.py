"""Request Tracker's activities: the poll (a page of transactions after the cursor, handed
to what applies their events) and the write-back (a comment carrying its idempotency key,
and the SLA custom fields).

The activities speak RT through ``channels.request_tracker``; what the transactions mean
(``tickets.connectors.request_tracker``) and how the events reach our tickets are handed in
as each connector's ``handle`` by whoever builds the worker, as activities do not import
the use cases.

A permanent refusal (a 4xx other than 408 and 429: a bad token, a missing ticket) is a
non-retryable ``PermanentRequestTrackerError``; anything else is retried by the caller's
policy. A write-back that RT keeps refusing fails that step only: the ticket's deadlines,
its escalation mail and its paging are other steps and never wait for it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from temporalio import activity
from temporalio.exceptions import ApplicationError

from channels.request_tracker import PermanentRequestTrackerError, RequestTrackerClient, RtBatch
from workflows.request_tracker_messages import (
    POLL_ACTIVITY,
    WRITE_BACK_ACTIVITY,
    RtPollOutcome,
    RtPollStep,
    RtWriteBackStep,
)

#: Applies a batch's events to our tickets; must de-duplicate by event id (a poll retried
#: after its events were applied hands them again).
BatchHandler = Callable[[RtBatch], Awaitable[None]]


@dataclass(frozen=True)
class RtConnector:
    client: RequestTrackerClient
    handle: BatchHandler


def _permanent(error: PermanentRequestTrackerError) -> ApplicationError:
    return ApplicationError(str(error), type="PermanentRequestTrackerError", non_retryable=True)


class RequestTrackerActivities:
    """The activities of the RT connectors, by connector name."""

    def __init__(self, connectors: Mapping[str, RtConnector]) -> None:
        self.connectors = dict(connectors)

    def _connector(self, name: str) -> RtConnector:
        if not name and len(self.connectors) == 1:
            return next(iter(self.connectors.values()))
        if name not in self.connectors:
            raise ApplicationError(f"no Request Tracker connector named {name!r} on this worker",
                                   type="UnknownConnector", non_retryable=True)
        return self.connectors[name]

    @activity.defn(name=POLL_ACTIVITY)
    async def poll(self, step: RtPollStep) -> RtPollOutcome:
        """Reads the transactions after the cursor, has their events applied, and only then
        answers the new cursor."""
        connector = self._connector(step.connector)
        try:
            batch = await connector.client.batch_after(step.cursor, step.batch_size)
        except PermanentRequestTrackerError as error:
            raise _permanent(error) from error
        await connector.handle(batch)
        return RtPollOutcome(cursor=batch.cursor, events=len(batch.transactions),
                             more=batch.more)

    @activity.defn(name=WRITE_BACK_ACTIVITY)
    async def write_back(self, step: RtWriteBackStep) -> bool:
        """The note as an RT comment carrying the step's idempotency key, unless the ticket
        already has it (a retry finds its own comment), and the SLA custom fields. Returns
        whether the comment was written by this attempt."""
        connector = self._connector(step.connector)
        settings = connector.client.settings
        fields: dict[str, str] = {}
        if settings.sla_state_field and step.sla_state:
            fields[settings.sla_state_field] = step.sla_state
        if settings.next_due_field and step.next_due is not None:
            fields[settings.next_due_field] = step.next_due.isoformat()
        try:
            ticket = int(step.external_ticket_id)
        except ValueError as error:
            raise ApplicationError(f"not an RT ticket id: {step.external_ticket_id!r}",
                                   type="PermanentRequestTrackerError",
                                   non_retryable=True) from error
        try:
            return await connector.client.write_back(ticket, step.idempotency_key, step.note,
                                                     fields)
        except PermanentRequestTrackerError as error:
            raise _permanent(error) from error

    def activities(self) -> list[Callable[..., Awaitable[object]]]:
        return [self.poll, self.write_back]

"""Request Tracker 5: its ticket transactions, in our words (:class:`HelpDeskEvent`).

- ``Create`` is a created ticket (subject, requester, status, priority as RT has them);
- ``Correspond`` by one of the ticket's requestors, or by anyone unprivileged (a Cc on the
  customer's side), is a requester comment; by a privileged user (staff) who is not a
  requestor it is a public agent comment;
- ``Comment`` is an internal comment (RT's comments are never mailed to the requestor);
- ``Status`` is a status change, carrying the new status;
- ``Set`` of ``Priority`` is a priority change, carrying the new priority;
- everything else (``EmailRecord``, custom fields, ``Set`` of other fields, links, ...) is
  OTHER with RT's type in ``raw_type``, so the timeline records it.

The event's id and sequence are the transaction's id: RT's ids only grow, so they order a
ticket's events, and the poll's cursor is the highest id applied.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy

from channels.request_tracker import (
    KEY_LABEL,
    RequestTrackerClient,
    RtBatch,
    RtSettings,
    RtTicket,
    RtTransaction,
    RtUser,
)
from tickets.connectors.events import HelpDesk, HelpDeskEvent, HelpDeskEventKind
from workflows.request_tracker import RequestTrackerPollWorkflow
from workflows.request_tracker_messages import RtPollInput

#: What applies a batch's events to our tickets (de-duplicating by ``event_id``: the poll
#: delivers at least once, and a retried poll hands the same events again).
ApplyEvents = Callable[[list[HelpDeskEvent]], Awaitable[None]]


def _kind(transaction: RtTransaction, ticket: RtTicket | None,
          users: dict[str, RtUser]) -> HelpDeskEventKind:
    match transaction.type:
        case "Create":
            return HelpDeskEventKind.CREATED
        case "Correspond":
            author = users.get(transaction.creator)
            requestor = ticket is not None and transaction.creator in ticket.requestors
            staff = author is not None and author.privileged
            return (HelpDeskEventKind.PUBLIC_AGENT_COMMENT if staff and not requestor
                    else HelpDeskEventKind.REQUESTER_COMMENT)
        case "Comment":
            return HelpDeskEventKind.INTERNAL_COMMENT
        case "Status":
            return HelpDeskEventKind.STATUS_CHANGED
        case "Set" if transaction.field == "Priority":
            return HelpDeskEventKind.PRIORITY_CHANGED
    return HelpDeskEventKind.OTHER


def _raw_type(transaction: RtTransaction) -> str:
    return f"{transaction.type} {transaction.field}" if transaction.field else transaction.type


def event_from_transaction(transaction: RtTransaction, ticket: RtTicket | None,
                           users: dict[str, RtUser], settings: RtSettings) -> HelpDeskEvent:
    kind = _kind(transaction, ticket, users)
    author = users.get(transaction.creator, RtUser(name=transaction.creator))
    requestor = users.get(ticket.requestors[0]) if ticket and ticket.requestors else None
    extra = {"rt_type": transaction.type}
    if transaction.field:
        extra["rt_field"] = transaction.field
    if transaction.old_value:
        extra["old_value"] = transaction.old_value
    if kind is HelpDeskEventKind.OTHER and transaction.new_value:
        extra["new_value"] = transaction.new_value
    if transaction.type == "Comment" and f"{KEY_LABEL}:" in transaction.data:
        # Our own write-back coming round again: recorded, and said to be ours.
        extra["written_back"] = "true"
    return HelpDeskEvent(
        desk=HelpDesk.REQUEST_TRACKER,
        event_id=str(transaction.id),
        external_ticket_id=str(transaction.ticket_id),
        kind=kind,
        occurred_at=transaction.created,
        sequence=transaction.id,
        subject=ticket.subject if ticket else "",
        body=transaction.content,
        author_name=author.real_name or author.name,
        author_email=author.email,
        requester_email=(requestor.email or requestor.name) if requestor else "",
        organization=requestor.organization if requestor else "",
        status=(transaction.new_value if kind is HelpDeskEventKind.STATUS_CHANGED
                else ticket.status if kind is HelpDeskEventKind.CREATED and ticket else ""),
        priority=(transaction.new_value if kind is HelpDeskEventKind.PRIORITY_CHANGED
                  else ticket.priority if kind is HelpDeskEventKind.CREATED and ticket else ""),
        raw_type="" if kind is not HelpDeskEventKind.OTHER else _raw_type(transaction),
        url=settings.ticket_url(transaction.ticket_id),
        extra=extra,
    )


def events_from_batch(batch: RtBatch, settings: RtSettings) -> list[HelpDeskEvent]:
    """Each transaction of the batch as one event, in id order (none dropped)."""
    return [event_from_transaction(transaction, batch.tickets.get(transaction.ticket_id),
                                   batch.users, settings)
            for transaction in sorted(batch.transactions, key=lambda item: item.id)]


def batch_handler(settings: RtSettings,
                  apply: ApplyEvents) -> Callable[[RtBatch], Awaitable[None]]:
    """What the poll activity calls with each batch: its events, applied by ``apply``."""
    async def handle(batch: RtBatch) -> None:
        events = events_from_batch(batch, settings)
        if events:
            await apply(events)
    return handle


def poll_workflow_id(connector: str) -> str:
    """One poll per RT connector: its workflow id."""
    return f"request-tracker-poll-{connector}"


async def ensure_poll(client: Client, task_queue: str, rt: RequestTrackerClient, connector: str,
                      interval_seconds: float, from_start: bool = False) -> str:
    """Starts the connector's poll unless it runs already; returns its run id.

    A new poll reads from RT's latest transaction on (the tickets already in RT are the
    help desk's past), or from RT's first one with ``from_start``. A running poll keeps its
    own cursor: starting it again changes nothing."""
    cursor = 0 if from_start else await rt.latest_transaction()
    handle = await client.start_workflow(
        RequestTrackerPollWorkflow.run,
        RtPollInput(connector=connector, cursor=cursor, interval_seconds=interval_seconds),
        id=poll_workflow_id(connector), task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)
    return handle.result_run_id or ""

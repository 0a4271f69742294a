"""Opening, listing and reading tickets, with their timeline and notifications."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response, status
from fastapi.responses import JSONResponse
from sqlmodel import col, select

from api.auth import CustomerOrStaff, own_ticket
from api.deps import ResourcesDep, SessionDep, TemporalClientDep, off_loop
from api.presenters import TicketRead, shown
from api.schemas import (
    CustomerNotificationPublic,
    CustomerTicketSummary,
    NotificationPublic,
    TicketAccepted,
    TicketSummary,
    TimelineEventPublic,
)
from sla.ticket.state import STATUSES
from sla.vocabulary import CUSTOMER_TIMELINE, ClockName, ClockState, Severity
from store.models import (
    ROW_CLOCKS,
    DeliveryAttempt,
    OutboxMessage,
    Ticket,
    TimelineEvent,
    internal_clock_names,
)
from tickets.commands import query_ticket
from tickets.errors import Forbidden, NotFound, invalid
from tickets.inputs import TicketCreate
from tickets.opening import EntryPoint, open_ticket
from tickets.visibility import TicketVisibilityRow, list_from_visibility

router = APIRouter(prefix="/tickets", tags=["tickets"])

Prefer = Annotated[
    str | None,
    Header(max_length=200, description="`respond-async` (RFC 7240): answer 202 as soon as the "
                                       "ticket's workflow has started, without waiting for "
                                       "the worker to write it (bulk imports)."),
]

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=200,
           description="Retrying a create with the same key returns the same ticket."),
]


@router.post(
    "",
    response_model=TicketRead,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": TicketRead,
                     "description": "a retry with the same Idempotency-Key: the ticket it "
                                    "opened"},
               202: {"model": TicketAccepted,
                     "description": "accepted; the worker has not answered yet"}},
)
async def create(
    request: TicketCreate,
    resources: ResourcesDep,
    session: SessionDep,
    response: Response,
    caller: CustomerOrStaff,
    idempotency_key: IdempotencyKey = None,
    prefer: Prefer = None,
) -> TicketRead | JSONResponse:
    """Open a ticket (201). A retry with the same ``Idempotency-Key`` returns it with 200; an
    open ticket of the customer about the same problem makes this one its possible duplicate
    (its own clocks run until an agent decides) unless ``force_new``. With
    ``Prefer: respond-async`` the answer is 202 as soon as the ticket exists, before the
    worker has written it."""
    asynchronous = "respond-async" in [token.strip().lower()
                                       for token in (prefer or "").split(",")]
    if caller.customer_id is not None and request.customer_id != caller.customer_id:
        raise Forbidden("a customer key opens tickets for its own customer only")
    opened = await open_ticket(resources, session, request, EntryPoint.API, idempotency_key,
                               wait_for_worker=not asynchronous, role=caller.role)
    if opened.replay:
        response.status_code = status.HTTP_200_OK
    if opened.view is None:
        accepted = TicketAccepted(
            id=opened.ticket_id,
            detail="the ticket is created and its clocks run; the worker has not written it "
                   "yet, so read it with GET /tickets/{id} in a moment",
        )
        headers = {"Location": f"/tickets/{opened.ticket_id}"}
        if asynchronous:
            headers["Preference-Applied"] = "respond-async"
        return JSONResponse(accepted.model_dump(), status_code=status.HTTP_202_ACCEPTED,
                            headers=headers)
    created = shown(opened.view, for_customer=caller.customer_id is not None)
    created.masked = opened.masked
    return created


@router.get("", response_model=list[TicketSummary] | list[CustomerTicketSummary]
            | list[TicketVisibilityRow])
async def list_tickets(
    session: SessionDep,
    resources: ResourcesDep,
    caller: CustomerOrStaff,
    status_filter: Annotated[str | None, Query(alias="status")] = None,
    severity: Severity | None = None,
    customer_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    breached: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    source: Annotated[Literal["database", "temporal"], Query(
        description="database: the projection (default); temporal: Temporal's visibility "
                    "store, through the tickets' search attributes")] = "database",
) -> list[Ticket] | list[CustomerTicketSummary] | list[TicketVisibilityRow]:
    """Tickets, newest first, from the database projection or from Temporal visibility."""
    if caller.customer_id is not None:
        if customer_id not in (None, caller.customer_id):
            return []
        customer_id = caller.customer_id
    if status_filter is not None and status_filter not in STATUSES:
        raise invalid(("query", "status"), f"status must be one of {', '.join(STATUSES)}")
    if source == "temporal":
        rows = await list_from_visibility(
            resources.temporal, resources.settings.temporal_task_queue, status_filter, severity,
            customer_id, breached, limit, offset)
        if caller.customer_id is not None:
            # Visibility cannot tell a commitment's breach from an internal target's; the
            # escalation level is the team's.
            rows = [row.model_copy(update={"breached": None, "next_due_at": None,
                                           "next_due_clock": None, "escalation_level": None})
                    for row in rows]
        return rows
    query = select(Ticket)
    if status_filter is not None:
        query = query.where(Ticket.status == status_filter)
    if severity is not None:
        query = query.where(Ticket.severity == severity)
    if customer_id is not None:
        query = query.where(Ticket.customer_id == customer_id)
    if breached is not None:
        query = query.where(Ticket.breached == breached)
    query = query.order_by(col(Ticket.created_at).desc()).offset(offset).limit(limit)
    tickets = await off_loop(lambda: list(session.exec(query)))
    if caller.customer_id is not None:
        return [committed_only(ticket) for ticket in tickets]
    return tickets


#: The recipient role of messages to the customer's own contact.
CUSTOMER_ROLE = "customer"


def committed_only(ticket: Ticket) -> CustomerTicketSummary:
    """The row as a customer key reads it: internal targets and the escalation level are
    not theirs to see."""
    row = CustomerTicketSummary.model_validate(ticket)
    internal = internal_clock_names(ticket)
    if not internal:
        return row
    hidden: dict[str, object] = {}
    for name in internal & set(ROW_CLOCKS):
        hidden |= {f"{name}_due": None, f"{name}_state": None}
    states = {ClockName.FIRST_RESPONSE: ticket.first_response_state,
              ClockName.NEXT_UPDATE: ticket.next_update_state,
              ClockName.RESOLUTION: ticket.resolution_state}
    committed_breach = any(state == ClockState.BREACHED for name, state in states.items()
                           if name not in internal)
    # A breach of none of these three is the emergency callback's: shown as it is.
    other_breach = ticket.breached and ClockState.BREACHED not in states.values()
    hidden["breached"] = committed_breach or other_breach
    if ticket.next_due_clock in internal:
        hidden |= {"next_due_at": None, "next_due_clock": None}
    return row.model_copy(update=hidden)


@router.get("/{ticket_id}", response_model=TicketRead)
async def get_ticket(ticket_id: str, client: TemporalClientDep, session: SessionDep,
                     caller: CustomerOrStaff) -> TicketRead:
    """Live SLA state, read from the ticket's workflow (a customer key: the customer's view)."""
    await off_loop(lambda: own_ticket(caller, session, ticket_id))
    return shown(await query_ticket(client, ticket_id), for_customer=caller.customer_id is not None)


def _readable(caller: CustomerOrStaff, session: SessionDep, ticket_id: str) -> Ticket:
    """The ticket; 404 for one that does not exist, or is another customer's (one lookup)."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or caller.customer_id not in (None, ticket.customer_id):
        raise NotFound(f"no ticket {ticket_id}")
    return ticket


@router.get("/{ticket_id}/timeline", response_model=list[TimelineEventPublic])
def timeline(ticket_id: str, session: SessionDep,
             caller: CustomerOrStaff) -> list[TimelineEventPublic]:
    """The ticket's events, with every delivery attempt of its messages, in time order. A
    customer key reads the entries of ``CUSTOMER_TIMELINE`` and the attempts of the
    messages to the customer, without the providers' answers."""
    ticket = _readable(caller, session, ticket_id)
    customer = caller.customer_id is not None
    internal = internal_clock_names(ticket) if customer else set()
    events = [TimelineEventPublic.model_validate(event) for event in session.exec(
        select(TimelineEvent).where(TimelineEvent.ticket_id == ticket_id))
        if (event.clock is None or event.clock not in internal)
        and (not customer or event.kind in CUSTOMER_TIMELINE)]
    query = (select(DeliveryAttempt, OutboxMessage)
             .join(OutboxMessage, col(OutboxMessage.id) == col(DeliveryAttempt.outbox_id))
             .where(DeliveryAttempt.ticket_id == ticket_id))
    if customer:
        query = query.where(OutboxMessage.recipient_role == CUSTOMER_ROLE)
    for attempt, message in session.exec(query):
        # A message's key is "<ticket>:<seq>": its attempts sit at the message's place.
        seq = int(message.idempotency_key.rsplit(":", 1)[-1])
        detail = f"{message.kind} to {message.recipient_name} via {attempt.channel}, " \
            f"attempt {attempt.attempt}"
        if attempt.detail and not customer:
            detail += f": {attempt.detail}"
        events.append(TimelineEventPublic(seq=seq, at=attempt.at, kind=f"delivery_{attempt.outcome}",
                                          actor="system", detail=detail))
    return sorted(events, key=lambda event: (event.at, event.seq))


@router.get("/{ticket_id}/notifications",
            response_model=list[NotificationPublic] | list[CustomerNotificationPublic])
def notifications(ticket_id: str, session: SessionDep, caller: CustomerOrStaff,
                  ) -> list[NotificationPublic] | list[CustomerNotificationPublic]:
    """The ticket's messages; a customer key reads those sent to the customer only (the
    team's warnings, escalations and pages carry the team's addresses and numbers)."""
    _readable(caller, session, ticket_id)
    query = select(OutboxMessage).where(OutboxMessage.ticket_id == ticket_id)
    if caller.customer_id is not None:
        query = query.where(OutboxMessage.recipient_role == CUSTOMER_ROLE)
        return [CustomerNotificationPublic.model_validate(message) for message in
                sorted(session.exec(query), key=OutboxMessage.event_order)]
    return [NotificationPublic.model_validate(message) for message in
            sorted(session.exec(query), key=OutboxMessage.event_order)]


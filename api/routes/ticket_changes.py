"""Changing a ticket: each route takes one change of ``tickets.changes`` as its body and
sends it as its workflow's update, which refuses an illegal change with its reason (409)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path
from sqlmodel import Session

from api.auth import CustomerOrStaff, Principal, Staff, own_ticket
from api.deps import ResourcesDep, SessionDep, off_loop
from api.presenters import TicketRead, shown
from api.schemas import AcknowledgementCreate, TicketPublic
from tickets.changes import (
    Acknowledge,
    AgreeUpdateInterval,
    Change,
    ChangeSeverity,
    ChangeType,
    Confirm,
    Cover,
    DecideDuplicate,
    LogCallback,
    ProposeResolution,
    Rate,
    ReopenTicket,
    Reply,
    Respond,
    RetryStep,
    SetStatus,
)
from tickets.commands import make_change
from tickets.services import AppResources

router = APIRouter(prefix="/tickets", tags=["tickets"])

RequestKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=200,
           description="A retry with the same key is the same change: applied once, "
                       "answered again."),
]


async def _apply(resources: AppResources, session: Session, ticket_id: str, change: Change,
                 caller: Principal, request_key: str | None) -> TicketRead:
    changed = await make_change(resources, session, ticket_id, change, request_key)
    result = shown(changed.view, for_customer=caller.customer_id is not None)
    result.masked = changed.masked
    return result


async def _own(caller: Principal, session: Session, ticket_id: str) -> None:
    await off_loop(lambda: own_ticket(caller, session, ticket_id))


@router.post("/{ticket_id}/responses", response_model=TicketPublic)
async def add_response(ticket_id: str, request: Respond, resources: ResourcesDep,
                       session: SessionDep, caller: Staff,
                       request_key: RequestKey = None) -> TicketRead:
    """An agent's response or update (the first one stops the first-response clock)."""
    return await _apply(resources, session, ticket_id, request, caller, request_key)


@router.post("/{ticket_id}/replies", response_model=TicketRead)
async def add_reply(ticket_id: str, request: Reply, resources: ResourcesDep,
                    session: SessionDep, caller: CustomerOrStaff,
                    request_key: RequestKey = None) -> TicketRead:
    """A customer reply; it ends a wait on the customer."""
    await _own(caller, session, ticket_id)
    return await _apply(resources, session, ticket_id, request, caller, request_key)


@router.post("/{ticket_id}/status", response_model=TicketPublic)
async def change_status(ticket_id: str, request: SetStatus, resources: ResourcesDep,
                        session: SessionDep, caller: Staff,
                        request_key: RequestKey = None) -> TicketRead:
    """Wait on the customer (pauses the resolution clock) or open again."""
    return await _apply(resources, session, ticket_id, request, caller, request_key)


@router.post("/{ticket_id}/resolution", response_model=TicketPublic)
async def propose_resolution(ticket_id: str, request: ProposeResolution,
                             resources: ResourcesDep, session: SessionDep, caller: Staff,
                             request_key: RequestKey = None) -> TicketRead:
    """The agent proposes a resolution (a fix, or a recommendation); the resolution clock
    stops. A fix on a recommendations-only tier is refused (409): it needs a paid tier."""
    return await _apply(resources, session, ticket_id, request, caller, request_key)


@router.post("/{ticket_id}/duplicate", response_model=TicketPublic)
async def decide_duplicate(ticket_id: str, request: DecideDuplicate, resources: ResourcesDep,
                           session: SessionDep, caller: Staff,
                           request_key: RequestKey = None) -> TicketRead:
    """Confirm that a possible duplicate is the same problem as the ticket it looks like
    (its clocks end; both timelines record the link) or reject the link (it keeps its
    clocks). 409 when the ticket is not a suspected duplicate."""
    return await _apply(resources, session, ticket_id, request, caller, request_key)


@router.post("/{ticket_id}/retries", response_model=TicketPublic)
async def retry_failing_step(ticket_id: str, request: RetryStep, resources: ResourcesDep,
                             session: SessionDep, caller: Staff,
                             request_key: RequestKey = None) -> TicketRead:
    """Try the ticket's failing step (its database write, say) again now, once its cause is
    fixed, instead of after its pause; ``failing_step`` in the answer says how that went
    so far. 409 when no step is failing."""
    return await _apply(resources, session, ticket_id, request, caller, request_key)


@router.post("/{ticket_id}/coverage", response_model=TicketPublic)
async def cover_ticket(ticket_id: str, request: Cover, resources: ResourcesDep,
                       session: SessionDep, caller: Staff,
                       request_key: RequestKey = None) -> TicketRead:
    """An agent covers a request that waits for a support slot, without a slot (goodwill,
    a slot bought elsewhere): its clocks start now. 409 when it needs no cover."""
    return await _apply(resources, session, ticket_id, request, caller, request_key)


@router.post("/{ticket_id}/confirmation", response_model=TicketRead)
async def confirm_resolution(ticket_id: str, request: Confirm, resources: ResourcesDep,
                             session: SessionDep, caller: CustomerOrStaff,
                             request_key: RequestKey = None) -> TicketRead:
    """The customer confirms the proposed resolution; the ticket closes."""
    await _own(caller, session, ticket_id)
    return await _apply(resources, session, ticket_id, request, caller, request_key)


@router.post("/{ticket_id}/reopen", response_model=TicketRead)
async def reopen(ticket_id: str, request: ReopenTicket, resources: ResourcesDep,
                 session: SessionDep, caller: CustomerOrStaff,
                 request_key: RequestKey = None) -> TicketRead:
    """Reopen a closed ticket or reject a proposed resolution; the resolution clock resumes."""
    await _own(caller, session, ticket_id)
    return await _apply(resources, session, ticket_id, request, caller, request_key)


@router.post("/{ticket_id}/feedback", response_model=TicketRead)
async def give_feedback(ticket_id: str, request: Rate, resources: ResourcesDep,
                        session: SessionDep, caller: CustomerOrStaff,
                        request_key: RequestKey = None) -> TicketRead:
    """The customer rates a closed ticket (1-5, with a comment), once per closure: a
    reopened ticket that closes again asks again. 409 before closure or the second time."""
    await _own(caller, session, ticket_id)
    return await _apply(resources, session, ticket_id, request, caller, request_key)


@router.post("/{ticket_id}/callbacks", response_model=TicketPublic)
async def record_callback(ticket_id: str, request: LogCallback, resources: ResourcesDep,
                          session: SessionDep, caller: Staff,
                          request_key: RequestKey = None) -> TicketRead:
    """The agent called back after an emergency call: the callback clock is met, paging stops,
    and the agreed update interval starts (a ``workaround`` outcome stops update timing)."""
    return await _apply(resources, session, ticket_id, request, caller, request_key)


@router.post("/{ticket_id}/escalations/{level}/ack", response_model=TicketPublic)
async def acknowledge_page(ticket_id: str, level: Annotated[int, Path(ge=1, le=50)],
                           request: AcknowledgementCreate, resources: ResourcesDep,
                           session: SessionDep, caller: Staff,
                           request_key: RequestKey = None) -> TicketRead:
    """Someone paged for a missed callback takes it: the pages stop."""
    change = Acknowledge(level=level, by=request.by)
    return await _apply(resources, session, ticket_id, change, caller, request_key)


@router.post("/{ticket_id}/update-interval", response_model=TicketPublic)
async def agree_update_interval(ticket_id: str, request: AgreeUpdateInterval,
                                resources: ResourcesDep, session: SessionDep, caller: Staff,
                                request_key: RequestKey = None) -> TicketRead:
    """The update interval agreed with the customer for this ticket (1 minute to 90 days)."""
    return await _apply(resources, session, ticket_id, request, caller, request_key)


@router.post("/{ticket_id}/severity", response_model=TicketPublic)
async def change_severity(ticket_id: str, request: ChangeSeverity, resources: ResourcesDep,
                          session: SessionDep, caller: Staff,
                          request_key: RequestKey = None) -> TicketRead:
    """The clocks take the new severity's targets, keeping the time already used and every
    pause; a clock the new targets make overdue breaches at once, one they drop ends."""
    return await _apply(resources, session, ticket_id, request, caller, request_key)


@router.post("/{ticket_id}/type", response_model=TicketPublic)
async def change_type(ticket_id: str, request: ChangeType, resources: ResourcesDep,
                      session: SessionDep, caller: Staff,
                      request_key: RequestKey = None) -> TicketRead:
    """As a severity change; a type without SLA stops every clock and held message."""
    return await _apply(resources, session, ticket_id, request, caller, request_key)

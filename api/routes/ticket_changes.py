"""Changing a ticket: each route sends one update to its workflow, which refuses an
illegal change with its reason (409)."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from sqlmodel import Session

from api.auth import CustomerOrStaff, Principal, Staff, own_ticket
from api.deps import ResourcesDep, SessionDep, off_loop
from api.presenters import public
from api.schemas import (
    AcknowledgementCreate,
    CallbackCreate,
    ConfirmationCreate,
    CoverageCreate,
    DuplicateDecisionCreate,
    FeedbackCreate,
    ReopenCreate,
    ReplyCreate,
    ResolutionCreate,
    ResponseCreate,
    SeverityChangeCreate,
    StatusChangeCreate,
    TicketPublic,
    TypeChangeCreate,
    UpdateIntervalCreate,
)
from sla.policy.durations import DurationError, parse_duration
from sla.ticket.state import Coverage
from tickets.commands import (
    TicketChange,
    change_ticket,
)
from tickets.scrub import Scrubber
from tickets.services import AppResources
from workflows.messages import (
    AgentResponse,
    CallbackReport,
    Confirmation,
    CoverageGiven,
    CustomerReply,
    DuplicateDecision,
    FeedbackGiven,
    PageAcknowledgement,
    Reopen,
    ResolutionProposal,
    SeverityChange,
    StatusChange,
    TypeChange,
    UpdateIntervalChange,
)

router = APIRouter(prefix="/tickets", tags=["tickets"])


async def _apply(
    resources: AppResources,
    session: Session,
    ticket_id: str,
    change: TicketChange,
    scrub: Scrubber | None = None,
    caller: Principal | None = None,
) -> TicketPublic:
    result = public(await change_ticket(resources.temporal, session, ticket_id, change,
                                        resources.wait),
                    for_customer=caller is not None and caller.customer_id is not None)
    result.masked = scrub.masked if scrub else []
    return result


@router.post("/{ticket_id}/responses", response_model=TicketPublic)
async def add_response(
    ticket_id: str, request: ResponseCreate, resources: ResourcesDep, session: SessionDep,
    caller: Staff,
) -> TicketPublic:
    """An agent's response or update (the first one stops the first-response clock)."""
    scrub = Scrubber()
    argument = AgentResponse(author=request.author, body=scrub("body", request.body),
                             automatic=request.automatic, workaround=request.workaround)
    return await _apply(resources, session, ticket_id, argument, scrub)


@router.post("/{ticket_id}/replies", response_model=TicketPublic)
async def add_reply(
    ticket_id: str, request: ReplyCreate, resources: ResourcesDep, session: SessionDep,
    caller: CustomerOrStaff,
) -> TicketPublic:
    """A customer reply; it ends a wait on the customer."""
    await off_loop(lambda: own_ticket(caller, session, ticket_id))
    scrub = Scrubber()
    argument = CustomerReply(body=scrub("body", request.body))
    return await _apply(resources, session, ticket_id, argument,
                        scrub, caller=caller)


@router.post("/{ticket_id}/status", response_model=TicketPublic)
async def change_status(
    ticket_id: str, request: StatusChangeCreate, resources: ResourcesDep, session: SessionDep,
    caller: Staff,
) -> TicketPublic:
    """Wait on the customer (pauses the resolution clock) or open again."""
    argument = StatusChange(status=request.status, author=request.author)
    return await _apply(resources, session, ticket_id, argument)


@router.post("/{ticket_id}/resolution", response_model=TicketPublic)
async def propose_resolution(
    ticket_id: str, request: ResolutionCreate, resources: ResourcesDep, session: SessionDep,
    caller: Staff,
) -> TicketPublic:
    """The agent proposes a resolution (a fix, or a recommendation); the resolution clock
    stops. A fix on a recommendations-only tier is refused (409): it needs a paid tier."""
    scrub = Scrubber()
    argument = ResolutionProposal(author=request.author, summary=scrub("summary", request.summary),
                                  kind=request.kind)
    return await _apply(resources, session, ticket_id, argument,
                        scrub)


@router.post("/{ticket_id}/duplicate", response_model=TicketPublic)
async def decide_duplicate(
    ticket_id: str, request: DuplicateDecisionCreate, resources: ResourcesDep,
    session: SessionDep, caller: Staff,
) -> TicketPublic:
    """Confirm that a possible duplicate is the same problem as the ticket it looks like
    (its clocks end; both timelines record the link) or reject the link (it keeps its
    clocks). 409 when the ticket is not a suspected duplicate."""
    scrub = Scrubber()
    argument = DuplicateDecision(confirmed=request.decision == "confirm", author=request.author,
                                 reason=scrub("reason", request.reason))
    return await _apply(resources, session, ticket_id, argument,
                        scrub)


@router.post("/{ticket_id}/coverage", response_model=TicketPublic)
async def cover_ticket(
    ticket_id: str, request: CoverageCreate, resources: ResourcesDep, session: SessionDep,
    caller: Staff,
) -> TicketPublic:
    """An agent covers a request that waits for a support slot, without a slot (goodwill,
    a slot bought elsewhere): its clocks start now. 409 when it needs no cover."""
    label = f"covered by {request.by}" + (f": {request.reason}" if request.reason else "")
    argument = CoverageGiven(Coverage(covered=True, label=label, at=datetime.now(UTC),
                                      by=request.by))
    return await _apply(resources, session, ticket_id, argument)


@router.post("/{ticket_id}/confirmation", response_model=TicketPublic)
async def confirm_resolution(
    ticket_id: str, request: ConfirmationCreate, resources: ResourcesDep, session: SessionDep,
    caller: CustomerOrStaff,
) -> TicketPublic:
    """The customer confirms the proposed resolution; the ticket closes."""
    await off_loop(lambda: own_ticket(caller, session, ticket_id))
    scrub = Scrubber()
    argument = Confirmation(comment=scrub("comment", request.comment))
    return await _apply(resources, session, ticket_id, argument, scrub,
                        caller=caller)


@router.post("/{ticket_id}/reopen", response_model=TicketPublic)
async def reopen(
    ticket_id: str, request: ReopenCreate, resources: ResourcesDep, session: SessionDep,
    caller: CustomerOrStaff,
) -> TicketPublic:
    """Reopen a closed ticket or reject a proposed resolution; the resolution clock resumes."""
    await off_loop(lambda: own_ticket(caller, session, ticket_id))
    scrub = Scrubber()
    argument = Reopen(actor=request.actor, reason=scrub("reason", request.reason))
    return await _apply(resources, session, ticket_id, argument, scrub,
                        caller=caller)


@router.post("/{ticket_id}/feedback", response_model=TicketPublic)
async def give_feedback(
    ticket_id: str, request: FeedbackCreate, resources: ResourcesDep, session: SessionDep,
    caller: CustomerOrStaff,
) -> TicketPublic:
    """The customer rates a closed ticket (1-5, with a comment), once per closure: a
    reopened ticket that closes again asks again. 409 before closure or the second time."""
    await off_loop(lambda: own_ticket(caller, session, ticket_id))
    scrub = Scrubber()
    argument = FeedbackGiven(rating=request.rating, comment=scrub("comment", request.comment))
    return await _apply(resources, session, ticket_id, argument,
                        scrub, caller=caller)


@router.post("/{ticket_id}/callbacks", response_model=TicketPublic)
async def record_callback(
    ticket_id: str, request: CallbackCreate, resources: ResourcesDep, session: SessionDep,
    caller: Staff,
) -> TicketPublic:
    """The agent called back after an emergency call: the callback clock is met, paging stops,
    and the agreed update interval starts (a ``workaround`` outcome stops update timing)."""
    scrub = Scrubber()
    argument = CallbackReport(agent=request.agent, outcome=request.outcome,
                              notes=scrub("notes", request.notes))
    return await _apply(resources, session, ticket_id, argument,
                        scrub)


@router.post("/{ticket_id}/escalations/{level}/ack", response_model=TicketPublic)
async def acknowledge_page(
    ticket_id: str,
    level: Annotated[int, Path(ge=1, le=50)],
    request: AcknowledgementCreate,
    resources: ResourcesDep,
    session: SessionDep,
    caller: Staff,
) -> TicketPublic:
    """Someone paged for a missed callback takes it: the pages stop."""
    argument = PageAcknowledgement(level=level, by=request.by)
    return await _apply(resources, session, ticket_id, argument)


@router.post("/{ticket_id}/update-interval", response_model=TicketPublic)
async def agree_update_interval(
    ticket_id: str, request: UpdateIntervalCreate, resources: ResourcesDep, session: SessionDep,
    caller: Staff,
) -> TicketPublic:
    """The update interval agreed with the customer for this ticket."""
    try:
        interval = parse_duration(request.interval)
    except DurationError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[{
            "loc": ["body", "interval"], "type": "value_error", "msg": str(error)}]) from None
    argument = UpdateIntervalChange(seconds=interval.total_seconds(), author=request.author)
    return await _apply(resources, session, ticket_id, argument)


@router.post("/{ticket_id}/severity", response_model=TicketPublic)
async def change_severity(
    ticket_id: str, request: SeverityChangeCreate, resources: ResourcesDep, session: SessionDep,
    caller: Staff,
) -> TicketPublic:
    """The clocks take the new severity's targets, keeping the time already used and every
    pause; a clock the new targets make overdue breaches at once, one they drop ends."""
    argument = SeverityChange(severity=request.severity, author=request.author)
    return await _apply(resources, session, ticket_id, argument)


@router.post("/{ticket_id}/type", response_model=TicketPublic)
async def change_type(
    ticket_id: str, request: TypeChangeCreate, resources: ResourcesDep, session: SessionDep,
    caller: Staff,
) -> TicketPublic:
    """As a severity change; a type without SLA stops every clock and held message."""
    argument = TypeChange(type=request.type, author=request.author)
    return await _apply(resources, session, ticket_id, argument)



"""The inbound-mail quarantine for agents: a console page with its two forms (assign to a
customer, drop), and the same as JSON for staff keys. Both decide through
``tickets.mail_quarantine``, which threads an assigned mail with ``thread_mail``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from api.auth import Principal, Staff
from api.deps import ResourcesDep, SessionDep, off_loop
from api.errors import status_of
from api.routes.pages import render_page
from api.web_auth import StaffPage, check_form_token
from store.models import ApiKey, Customer, QuarantinedMail
from store.quarantine import held
from tickets.errors import TicketError
from tickets.mail_quarantine import assign, drop

router = APIRouter(tags=["inbound"])


class QuarantinedPublic(BaseModel):
    id: int
    received_at: datetime
    provider: str
    reason: str
    verified: bool
    sender: str
    subject: str
    message_id: str
    status: str
    decided_by: str | None
    ticket_id: str | None


class AssignRequest(BaseModel):
    customer_id: int = Field(ge=1)


class AssignResult(BaseModel):
    ticket_id: str
    action: Literal["reply", "new_ticket"]
    detail: str


def _public(row: QuarantinedMail) -> QuarantinedPublic:
    assert row.id is not None
    return QuarantinedPublic(
        id=row.id, received_at=row.received_at, provider=row.provider, reason=row.reason,
        verified=row.verified, sender=row.sender, subject=row.subject,
        message_id=row.message_id, status=row.status, decided_by=row.decided_by,
        ticket_id=row.ticket_id)


def _who(session: Session, caller: Principal) -> str:
    key = session.get(ApiKey, caller.key_id) if caller.key_id is not None else None
    return (key.name if key and key.name else f"{caller.role} #{caller.key_id}")


@router.get("/inbound/quarantine", response_model=list[QuarantinedPublic])
async def list_quarantine(caller: Staff, session: SessionDep) -> list[QuarantinedPublic]:
    """The mails waiting for an agent, newest first (at most 200)."""
    return [_public(row) for row in await off_loop(lambda: held(session))]


@router.post("/inbound/quarantine/{mail_id}/assign", response_model=AssignResult)
async def assign_quarantined(mail_id: int, request: AssignRequest, caller: Staff,
                             resources: ResourcesDep, session: SessionDep) -> AssignResult:
    """Threads the mail as if from the customer's own address (a reply on its ticket, or
    a new ticket); 409 when it was assigned or dropped already."""
    by = await off_loop(lambda: _who(session, caller))
    threaded = await assign(resources, session, mail_id, request.customer_id, by)
    return AssignResult(ticket_id=threaded.ticket_id, action=threaded.action,
                        detail=threaded.detail)


@router.post("/inbound/quarantine/{mail_id}/drop", response_model=QuarantinedPublic,
             responses={409: {"description": "the mail was assigned or dropped already"}})
async def drop_quarantined(mail_id: int, caller: Staff,
                           session: SessionDep) -> QuarantinedPublic:
    """Takes the mail off the list; it is kept, marked dropped and by whom."""
    by = await off_loop(lambda: _who(session, caller))
    return _public(await drop(session, mail_id, by))


def _customers(session: Session) -> list[Customer]:
    return list(session.exec(select(Customer).order_by(col(Customer.name)).limit(1000)))


async def _page(session: SessionDep, caller: StaffPage, *, done: str | None = None,
                error: str | None = None, status_code: int = 200) -> HTMLResponse:
    rows = await off_loop(lambda: held(session))
    customers = await off_loop(lambda: _customers(session))
    return HTMLResponse(render_page("quarantine.html", rows=rows, customers=customers,
                                    caller=caller, done=done, error=error),
                        status_code=status_code)


@router.get("/queue/quarantine", response_class=HTMLResponse, include_in_schema=False)
async def quarantine_page(caller: StaffPage, session: SessionDep,
                          done: Annotated[str | None, Query(max_length=40)] = None
                          ) -> HTMLResponse:
    """Mails not threaded: who sent them, the subject, when, and why they wait."""
    return await _page(session, caller, done=done)


@router.post("/queue/quarantine/{mail_id}/actions/{action}", response_class=HTMLResponse,
             include_in_schema=False)
async def quarantine_action(mail_id: int, action: str, caller: StaffPage,
                            resources: ResourcesDep, session: SessionDep,
                            form_token: Annotated[str, Form(max_length=200)] = "",
                            customer_id: Annotated[str, Form(max_length=20)] = "") -> Response:
    check_form_token(caller, form_token)
    try:
        if action == "assign":
            if not customer_id.strip().isdigit():
                return await _page(session, caller, status_code=422,
                                   error="assign: choose the customer the mail is from")
            await assign(resources, session, mail_id, int(customer_id), caller.name)
        elif action == "drop":
            await drop(session, mail_id, caller.name)
        else:
            return await _page(session, caller, status_code=404,
                               error=f"no quarantine action {action[:40]!r}")
    except TicketError as error:
        return await _page(session, caller, status_code=status_of(error),
                           error=f"{action} refused: {error.detail}")
    return RedirectResponse(f"/queue/quarantine?done={action}",
                            status_code=status.HTTP_303_SEE_OTHER)

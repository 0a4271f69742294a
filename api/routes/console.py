"""The console people use in a browser: sign in with a personal API key, work tickets from
the queue (agents), follow one's own tickets (customers). Every form carries the
session's form token; every change goes through the ticket's workflow, which may refuse
it: the page then shows the reason in place."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select

from api.deps import ResourcesDep, SessionDep, off_loop
from api.errors import status_of
from api.forms import text_problem_of
from api.routes.pages import render_page, render_ticket
from api.web_auth import (
    SIGN_IN_COOKIE,
    CustomerPage,
    SignedIn,
    SignInLimiter,
    StaffPage,
    check_form_token,
    clear_session_cookie,
    client_address,
    new_sign_in_token,
    set_session_cookie,
    set_sign_in_cookie,
    sign_in_form_is_ours,
    web_caller,
)
from store.keys import find_key
from store.models import Ticket, WebSession
from store.web_sessions import end, start_session
from tickets.changes import Audience, parse_change
from tickets.commands import make_change
from tickets.errors import Invalid, Problem, TicketError

router = APIRouter(tags=["console"], include_in_schema=False)


def _limiter(request: Request) -> SignInLimiter:
    limiter: SignInLimiter | None = getattr(request.app.state, "sign_in_limiter", None)
    if limiter is None:
        limiter = request.app.state.sign_in_limiter = SignInLimiter()
    return limiter


def _safe_next(target: str) -> str:
    """Only a path of ours: never a redirect to another site. Browsers read a backslash as
    a slash, so ``/\\evil.com`` is refused as ``//evil.com`` is."""
    parts = urlsplit(target)
    if (not target.startswith("/") or target[1:2] in ("/", "\\") or "\\" in target
            or parts.scheme or parts.netloc or any(ord(c) < 33 for c in target)):
        return ""
    return target


def _home(customer_id: int | None) -> str:
    return "/my/tickets" if customer_id is not None else "/queue"


def _landing(customer_id: int | None, target: str) -> str:
    """Where a person goes after signing in: the page they asked for when it is one they
    may open (a customer sent to a staff page lands on their own tickets, not on a 403)."""
    target = _safe_next(target)
    customers_page = target == "/my" or target.startswith("/my/")
    if not target or customers_page != (customer_id is not None):
        return _home(customer_id)
    return target


@router.get("/")
def root(request: Request, session: SessionDep, resources: ResourcesDep) -> Response:
    """A stranger is sent to sign in; a signed-in person to their home."""
    try:
        caller = web_caller(request, session, resources, request.headers.get("authorization"))
    except HTTPException:
        return RedirectResponse("/sign-in", status_code=status.HTTP_303_SEE_OTHER)
    return RedirectResponse(_home(caller.customer_id),
                            status_code=status.HTTP_303_SEE_OTHER)


def _sign_in_page(request: Request, resources: ResourcesDep, next: str, error: str | None,
                  status_code: int = status.HTTP_200_OK) -> HTMLResponse:
    """The form with a fresh sign-in token, in the form and in its cookie."""
    token = new_sign_in_token()
    response = HTMLResponse(render_page("sign_in.html", next=_safe_next(next), error=error,
                                        sign_in_token=token), status_code=status_code)
    set_sign_in_cookie(response, request, token, resources.settings.public_base_url)
    return response


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, resources: ResourcesDep,
                 next: Annotated[str, Query(max_length=2000)] = "") -> HTMLResponse:
    return _sign_in_page(request, resources, next, error=None)


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(request: Request, session: SessionDep, resources: ResourcesDep,
            key: Annotated[str, Form(max_length=200)],
            next: Annotated[str, Form(max_length=2000)] = "",
            sign_in_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    settings = resources.settings
    if not sign_in_form_is_ours(request, sign_in_token):
        return _sign_in_page(request, resources, next, status_code=status.HTTP_403_FORBIDDEN,
                             error="This sign-in form did not come from our page (missing "
                                   "or stale form token): sign in again here.")
    client = client_address(request)
    limiter = _limiter(request)
    if limiter.blocked(client, settings.sign_in_attempts_per_minute):
        return _sign_in_page(request, resources, next, error="Too many attempts: wait a minute.",
                             status_code=status.HTTP_429_TOO_MANY_REQUESTS)
    found = find_key(session, key.strip())
    if found is None:
        limiter.failed(client)
        return _sign_in_page(request, resources, next, error="Unknown or revoked key.",
                             status_code=status.HTTP_401_UNAUTHORIZED)
    _row, token = start_session(session, found)
    response = RedirectResponse(_landing(found.customer_id, next),
                                status_code=status.HTTP_303_SEE_OTHER)
    set_session_cookie(response, request, token, settings.public_base_url,
                       timedelta(minutes=settings.web_session_idle_minutes))
    response.delete_cookie(SIGN_IN_COOKIE, path="/sign-in")
    return response


@router.post("/sign-out")
def sign_out(caller: SignedIn, session: SessionDep,
             form_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    check_form_token(caller, form_token)
    row = session.get(WebSession, caller.session_id)
    if row is not None:
        end(session, row)
    response = RedirectResponse("/sign-in", status_code=status.HTTP_303_SEE_OTHER)
    clear_session_cookie(response)
    return response


#: Form fields that carry the session's proof, not the change.
_NOT_THE_CHANGE = ("form_token", "request_key")


async def _act(request: Request, resources: ResourcesDep, session: SessionDep,
               caller: Any, ticket_id: str, action: str, audience: Audience) -> Response:
    """A form's post as the change it asks for, checked as the JSON routes check it, and
    sent under the form's own request key (a double click is one change)."""
    # The raw body first: once parsed, Starlette no longer has it to check.
    text_problem = await text_problem_of(request)
    form = await request.form()
    fields = {key: value for key, value in form.items() if key not in _NOT_THE_CHANGE}
    check_form_token(caller, str(form.get("form_token", "")))
    customer = audience is Audience.CUSTOMER
    page = f"/my/tickets/{quote(ticket_id)}" if customer else f"/queue/tickets/{quote(ticket_id)}"
    request_key = str(form.get("request_key", "")).strip()[:200] or None
    try:
        if text_problem is not None:
            raise text_problem
        if any(not isinstance(value, str) for value in fields.values()):
            raise Invalid([Problem(("body", key), "a file is not a field of any change")
                           for key, value in fields.items() if not isinstance(value, str)])
        change = parse_change(action, dict(fields), audience, actor=caller.name)
        await make_change(resources, session, ticket_id, change,
                          request_key and f"form:{caller.key_id}:{request_key}")
    except Invalid as error:
        return await render_ticket(resources, session, caller, ticket_id, customer,
                                  error=f"{action}: {error.detail}", status_code=422)
    except TicketError as error:
        return await render_ticket(resources, session, caller, ticket_id, customer,
                                  error=f"{action} refused: {error.detail}",
                                  status_code=status_of(error))
    # Post, redirect, get: reloading the page never sends the change twice.
    return RedirectResponse(f"{page}?done={quote(action)}",
                            status_code=status.HTTP_303_SEE_OTHER)


@router.post("/queue/tickets/{ticket_id}/actions/{action}", response_class=HTMLResponse)
async def staff_action(ticket_id: str, action: str, request: Request, caller: StaffPage,
                       resources: ResourcesDep, session: SessionDep) -> Response:
    return await _act(request, resources, session, caller, ticket_id, action,
                      Audience.STAFF)


@router.get("/my/tickets", response_class=HTMLResponse)
async def my_tickets(caller: CustomerPage, session: SessionDep) -> HTMLResponse:
    """The customer's own tickets, newest first."""
    rows = await off_loop(lambda: list(session.exec(
        select(Ticket).where(Ticket.customer_id == caller.customer_id)
        .order_by(col(Ticket.created_at).desc()).limit(200))))
    return HTMLResponse(render_page("my_tickets.html", rows=rows, caller=caller))


async def _own(session: SessionDep, caller: Any, ticket_id: str) -> bool:
    ticket = await off_loop(lambda: session.get(Ticket, ticket_id))
    return ticket is not None and ticket.customer_id == caller.customer_id


@router.get("/my/tickets/{ticket_id}", response_class=HTMLResponse)
async def my_ticket(ticket_id: str, caller: CustomerPage, session: SessionDep,
                    resources: ResourcesDep,
                    done: Annotated[str | None, Query(max_length=40)] = None) -> HTMLResponse:
    """One of the customer's tickets, with the targets committed to them only."""
    if not await _own(session, caller, ticket_id):
        return HTMLResponse(render_page("not_found.html", what=ticket_id), status_code=404)
    return await render_ticket(resources, session, caller, ticket_id, customer=True, done=done)


@router.post("/my/tickets/{ticket_id}/actions/{action}", response_class=HTMLResponse)
async def customer_action(ticket_id: str, action: str, request: Request, caller: CustomerPage,
                          resources: ResourcesDep, session: SessionDep) -> Response:
    if not await _own(session, caller, ticket_id):
        return HTMLResponse(render_page("not_found.html", what=ticket_id), status_code=404)
    return await _act(request, resources, session, caller, ticket_id, action,
                      Audience.CUSTOMER)

"""Server-rendered pages for agents: the queue of open tickets, and a ticket."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlmodel import col, func, select

from api.auth import Principal
from api.deps import ResourcesDep, SessionDep, off_loop
from api.headers import csp_nonce
from api.presenters import shown
from api.routes.tickets import notifications, timeline
from api.web_auth import StaffPage
from sla.vocabulary import TicketStatus
from store.models import Customer, Ticket, internal_clock_names
from tickets.changes import FORM_CHOICES
from tickets.commands import query_ticket

router = APIRouter(tags=["pages"])
PAGE_SIZE = 50
_pages = Environment(loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "pages"),
                     autoescape=select_autoescape(["html"]))


def duration(seconds: float | None) -> str:
    """``2d 03h``, ``1h 05m``, ``4m 10s``: two units are enough to read a report."""
    if seconds is None:
        return "-"
    if 0 < seconds < 1:
        return "<1s"
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


_pages.filters["duration"] = duration
# A fresh key for each rendered form (``tickets.commands.make_change``'s request key).
_pages.globals["new_request_key"] = lambda: secrets.token_urlsafe(18)
# Inline <script> and <style> run only with the request's nonce (api/headers.py).
_pages.globals["csp_nonce"] = csp_nonce


def render_page(template: str, **context: object) -> str:
    return _pages.get_template(template).render(**context)


@dataclass
class QueueRow:
    id: str
    subject: str
    severity: str
    customer: str
    plan: str
    clock: str | None
    due: datetime | None
    left: str
    breached: bool
    page_url: str
    workflow_url: str


def time_left(due: datetime | None, now: datetime) -> str:
    if due is None:
        return "-"
    seconds = int((due - now).total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    days, seconds = divmod(seconds, 86400)
    text = str(timedelta(seconds=seconds)).zfill(8)
    return f"{sign}{days}d {text}" if days else f"{sign}{text}"


def workflow_url(resources: ResourcesDep, ticket_id: str) -> str:
    settings = resources.settings
    return (f"{settings.effective_temporal_ui_url}/namespaces/"
            f"{quote(settings.temporal_namespace)}/workflows/{quote(ticket_id)}")


@router.get("/queue", response_class=HTMLResponse)
def queue(
    session: SessionDep,
    resources: ResourcesDep,
    caller: StaffPage,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    status: Annotated[str | None, Query(max_length=40)] = None,
    severity: Annotated[str | None, Query(max_length=20)] = None,
    plan: Annotated[str | None, Query(max_length=64)] = None,
    customer: Annotated[str | None, Query(max_length=200)] = None,
    breached: Annotated[str | None, Query(max_length=5)] = None,
    mine: Annotated[str | None, Query(max_length=5)] = None,
) -> HTMLResponse:
    """Open tickets by next due time; breached ones (already overdue) first; 50 a page.
    Filters: status, severity, plan, customer (name contains), breached, and mine (assigned
    to the signed-in person's name)."""
    now = datetime.now(UTC)
    conditions = [Ticket.status != TicketStatus.CLOSED]
    if status:
        conditions.append(Ticket.status == status)
    if severity:
        conditions.append(Ticket.severity == severity)
    if plan:
        conditions.append(Ticket.plan == plan)
    if breached in ("yes", "no"):
        conditions.append(Ticket.breached == (breached == "yes"))
    if mine == "yes":
        conditions.append(Ticket.assignee_name == caller.name)
    query = (select(Ticket, Customer).join(Customer, col(Customer.id) == col(Ticket.customer_id))
             .where(*conditions))
    if customer:
        query = query.where(col(Customer.name).contains(customer))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    query = (query.order_by(col(Ticket.breached).desc(), col(Ticket.next_due_at).is_(None),
                            col(Ticket.next_due_at), col(Ticket.created_at))
             .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    rows = [
        QueueRow(id=ticket.id, subject=ticket.subject, severity=ticket.severity,
                 customer=customer_row.name, plan=ticket.plan, clock=_clock_label(ticket),
                 due=ticket.next_due_at, left=time_left(ticket.next_due_at, now),
                 breached=ticket.breached, page_url=f"/queue/tickets/{quote(ticket.id)}",
                 workflow_url=workflow_url(resources, ticket.id))
        for ticket, customer_row in session.exec(query)
    ]
    filters = {"status": status or "", "severity": severity or "", "plan": plan or "",
               "customer": customer or "", "breached": breached or "", "mine": mine or ""}
    html = _pages.get_template("queue.html").render(
        rows=rows, total=total, page=page, pages=max(1, math.ceil(total / PAGE_SIZE)), now=now,
        caller=caller, filters=filters)
    return HTMLResponse(html)


@router.get("/queue/tickets/{ticket_id}", response_class=HTMLResponse)
async def ticket_page(ticket_id: str, resources: ResourcesDep,
                      caller: StaffPage, session: SessionDep,
                      done: Annotated[str | None, Query(max_length=40)] = None) -> HTMLResponse:
    """A ticket's live state, read from its workflow, and what an agent can do with it."""
    return await render_ticket(resources, session, caller, ticket_id, customer=False, done=done)


async def render_ticket(resources: ResourcesDep, session: SessionDep, caller: Principal,
                        ticket_id: str, customer: bool, error: str | None = None,
                        done: str | None = None, status_code: int = 200) -> HTMLResponse:
    """A ticket's page: staff see it whole with a link to its workflow; a customer sees
    the targets committed to them and their own messages."""
    ticket = shown(await query_ticket(resources.temporal, ticket_id), for_customer=customer)
    html = render_page("ticket.html", ticket=ticket, caller=caller, customer=customer,
                       workflow_url=None if customer else workflow_url(resources, ticket_id),
                       error=error, done=done, choices=FORM_CHOICES,
                       # The policy's first response is the first investigation (360dialog):
                       # the respond form asks whether this response is one.
                       investigation_asked=resources.policy.first_response == "investigation",
                       **await ticket_records(session, caller, ticket_id))
    return HTMLResponse(html, status_code=status_code)


async def ticket_records(session: SessionDep, caller: Principal,
                         ticket_id: str) -> dict[str, object]:
    """The timeline and the messages, as the caller may read them (a customer: their own)."""
    return {"timeline": await off_loop(lambda: timeline(ticket_id, session, caller)),
            "messages": await off_loop(lambda: notifications(ticket_id, session, caller))}


def _clock_label(ticket: Ticket) -> str | None:
    """The due clock, marked when it runs toward an internal target (not promised)."""
    clock = ticket.next_due_clock
    if clock is None:
        return None
    return f"{clock} (internal target)" if clock in internal_clock_names(ticket) else clock

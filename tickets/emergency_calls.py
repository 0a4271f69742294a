"""Routing a call to the emergency line to its ticket, creating one when there is none."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, func, select

from sla.policy.rules import Policy
from sla.ticket.state import EmergencyCall
from sla.ticket.view import TicketView
from sla.vocabulary import Severity, TicketStatus
from store.models import Customer, Ticket
from tickets.commands import new_ticket_id, update_ticket
from tickets.errors import NoEmergencyLine, invalid
from tickets.inputs import TicketCreate
from tickets.opening import EntryPoint, open_ticket
from tickets.services import AppResources
from workflows.ticket import TicketWorkflow

UNKNOWN_CALLERS = "Unknown callers"


def require_emergency_line(policy: Policy) -> None:
    """Every door to the emergency line asks this first, before reading a form: under a
    policy without ``[emergency]`` there is no line, so no call is taken, no ticket is
    opened and nobody is promised a callback."""
    if not policy.has_emergency_line:
        raise NoEmergencyLine()


def normalize_phone(value: str) -> str:
    """Digits only, with the leading + kept: "+39 02-000 0001" and "+39020000001" match."""
    digits = re.sub(r"\D", "", value)
    return f"+{digits}" if value.strip().startswith("+") else digits


def find_customer(session: Session, phone: str, email: str, company: str) -> Customer | None:
    """The caller's customer: by phone, then email, then company name."""
    wanted = normalize_phone(phone)
    customers = list(session.exec(select(Customer).order_by(col(Customer.id))))
    for customer in customers:
        if customer.phone and wanted and normalize_phone(customer.phone) == wanted:
            return customer
    for customer in customers:
        if email and customer.email and customer.email.lower() == email.lower():
            return customer
    company_name = company.strip().lower()
    matches = [c for c in customers if company_name and c.name.strip().lower() == company_name]
    return matches[0] if len(matches) == 1 else None


def unknown_callers(session: Session, resources: AppResources) -> Customer:
    """The customer that holds tickets of calls from numbers nobody has, made on first use."""
    found = session.exec(select(Customer).where(func.lower(Customer.name) ==
                                                UNKNOWN_CALLERS.lower())).first()
    if found is not None:
        return found
    policy = resources.policy
    plan = policy.emergency.unknown_caller_plan or next(iter(policy.plans))
    customer = Customer(name=UNKNOWN_CALLERS, plan=plan)
    session.add(customer)
    session.commit()
    session.refresh(customer)
    return customer


def latest_open_ticket(
    session: Session, customer_id: int, critical_only: bool = False
) -> Ticket | None:
    query = select(Ticket).where(Ticket.customer_id == customer_id,
                                 Ticket.status != TicketStatus.CLOSED)
    if critical_only:
        query = query.where(Ticket.severity == Severity.CRITICAL)
    return session.exec(query.order_by(col(Ticket.created_at).desc())).first()


def unknown_number_subject(number: str) -> str:
    """The subject of a ticket opened by a number no customer has: the number, so the
    next call from it finds the ticket (``unknown_numbers_ticket``)."""
    return f"Emergency call from an unknown number {number or '(withheld)'}"[:300]


def unknown_numbers_ticket(session: Session, unknown_id: int, number: str,
                           since: datetime) -> Ticket | None:
    """The open ticket a number no customer has opened since ``since``, if any. Read from
    the tickets' table, so every API process finds the same one."""
    query = select(Ticket).where(Ticket.customer_id == unknown_id,
                                 Ticket.subject == unknown_number_subject(number),
                                 Ticket.status != TicketStatus.CLOSED,
                                 col(Ticket.created_at) >= since)
    return session.exec(query.order_by(col(Ticket.created_at).desc())).first()


@dataclass(frozen=True)
class CallersTicket:
    customer: Customer
    #: The open ticket the call goes to; None: the call opens one.
    ticket_id: str | None
    #: The key of the ticket the call opens (None: a ticket of its own, by the call's id).
    opening_key: str | None = None
    subject: str | None = None


@dataclass
class RoutedCall:
    ticket_id: str
    created: bool
    view: TicketView | None


async def route_call(
    resources: AppResources,
    session: Session,
    call: EmergencyCall,
    ticket_id: str | None = None,
    customer: Customer | None = None,
    critical_only: bool = False,
) -> RoutedCall:
    """Record the call on the named ticket, else the customer's latest open ticket (only a
    critical one with ``critical_only``), else a new critical ticket; a caller no customer
    matches gets one too, and support is paged at once."""
    require_emergency_line(resources.policy)
    wait = resources.wait
    found = await asyncio.to_thread(
        lambda: _callers_ticket(resources, session, call, ticket_id, customer, critical_only))
    if found.ticket_id is not None:
        return await _record_on(resources, session, found.ticket_id, call, wait)
    caller = found.customer
    request = TicketCreate(
        customer_id=caller.id or 0,
        subject=found.subject or f"Emergency call: {call.company_name}"[:300],
        description=call.description,
        severity="critical",
        type="problem",
        channel="phone",
    )
    opened = await open_ticket(resources, session, request, EntryPoint.PHONE,
                               found.opening_key or f"call:{call.call_id}", call=call,
                               customer=caller)
    return RoutedCall(opened.ticket_id, True, opened.view)


def _callers_ticket(
    resources: AppResources, session: Session, call: EmergencyCall, ticket_id: str | None,
    customer: Customer | None, critical_only: bool,
) -> CallersTicket:
    """The caller's customer and the open ticket the call goes to (None: a new one).
    Database work only: the route runs it off the event loop."""
    if ticket_id is not None:
        named = session.get(Ticket, ticket_id)
        if named is None:
            raise invalid(("body", "ticket_id"), f"no ticket {ticket_id}")
        customer = customer or session.get(Customer, named.customer_id)
        if named.status != TicketStatus.CLOSED and customer is not None:
            return CallersTicket(customer, named.id)
    customer = customer or find_customer(session, call.contact_phone, call.contact_email,
                                         call.company_name)
    if customer is None:
        call.unknown_caller = True
        return _unknown_numbers_ticket(resources, session, call)
    open_ticket = latest_open_ticket(session, customer.id or 0, critical_only)
    return CallersTicket(customer, open_ticket.id if open_ticket is not None else None)


def _unknown_numbers_ticket(resources: AppResources, session: Session,
                            call: EmergencyCall) -> CallersTicket:
    """One ticket per unknown number and window: the number's open ticket from within
    the window, else a new one whose id is the number's and the window's, so calls that
    race each other (on any API process) start the same workflow and are recorded on it."""
    unknown = unknown_callers(session, resources)
    assert unknown.id is not None
    number = normalize_phone(call.contact_phone)
    window = timedelta(minutes=resources.settings.emergency_unknown_caller_window_minutes)
    now = datetime.now(UTC)
    existing = unknown_numbers_ticket(session, unknown.id, number, now - window)
    subject = unknown_number_subject(number)
    if existing is not None:
        return CallersTicket(unknown, existing.id, subject=subject)
    key = f"unknown-number:{number}:{int(now.timestamp() // window.total_seconds())}"
    if session.get(Ticket, new_ticket_id(unknown.id, key)) is not None:
        # This window's ticket was closed by support: the next call opens a ticket again.
        key = f"call:{call.call_id}"
    return CallersTicket(unknown, None, key, subject)


async def _record_on(
    resources: AppResources, session: Session, ticket_id: str, call: EmergencyCall,
    wait: timedelta,
) -> RoutedCall:
    view = await update_ticket(resources.temporal, session, ticket_id, TicketWorkflow.record_call,
                               call, wait)
    return RoutedCall(ticket_id, False, view)

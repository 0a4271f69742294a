"""What a rollout of a plan or policy version reads: the open tickets it covers (all at once,
or a page at a time after a cursor), and the plan each takes from the policy, one snapshot
per customer and tier. Shared by the use cases that start a rollout and the worker's step
that reads a paged rollout's next tickets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlmodel import Session, and_, col, func, or_, select

from sla.policy.rules import Policy
from sla.policy.snapshot import Contact, PlanSnapshot
from sla.vocabulary import TicketStatus
from store.models import Contract, Customer, Ticket


def customer_tam(customer: Customer) -> Contact | None:
    if not customer.tam_name or not (customer.tam_email or customer.tam_phone):
        return None
    return Contact(role="tam", name=customer.tam_name, email=customer.tam_email,
                   phone=customer.tam_phone, locale=customer.locale,
                   time_zone=customer.time_zone)


def customer_contact(customer: Customer) -> Contact | None:
    """The customer's own contact, in their language and time zone, if they have one."""
    if not customer.email and not customer.phone:
        return None
    return Contact(role="customer", name=customer.name, email=customer.email,
                   phone=customer.phone, locale=customer.locale, time_zone=customer.time_zone)


def _open(customer_id: int | None) -> list[object]:
    conditions: list[object] = [Ticket.status != TicketStatus.CLOSED,
                                col(Ticket.duplicate_of).is_(None)]
    if customer_id is not None:
        conditions.append(Ticket.customer_id == customer_id)
    return conditions


def open_tickets(session: Session, customer_id: int | None = None) -> list[Ticket]:
    """Open tickets that carry clocks (a linked duplicate has none), oldest first."""
    return list(session.exec(select(Ticket).where(*_open(customer_id))  # type: ignore[arg-type]
                             .order_by(col(Ticket.created_at))))


def count_open_tickets(session: Session, customer_id: int | None = None) -> int:
    query = select(func.count()).select_from(Ticket).where(*_open(customer_id))  # type: ignore[arg-type]
    return int(session.exec(query).one())


def open_tickets_after(session: Session, customer_id: int | None,
                       after: tuple[datetime, str] | None, limit: int) -> list[Ticket]:
    """The next ``limit`` open tickets (as ``open_tickets``) after ``after`` (its creation
    and id), oldest first: a ticket opened meanwhile comes after every older one, so a
    rollout reaches it too."""
    query = select(Ticket).where(*_open(customer_id))  # type: ignore[arg-type]
    if after is not None:
        created_at, ticket_id = after
        query = query.where(or_(col(Ticket.created_at) > created_at, and_(
            col(Ticket.created_at) == created_at, col(Ticket.id) > ticket_id)))
    return list(session.exec(query.order_by(col(Ticket.created_at), col(Ticket.id))
                             .limit(limit)))


@dataclass
class PlannedTickets:
    """Each ticket's plan: one snapshot per customer and tier (key ``customer:tier``)."""

    plans: dict[str, PlanSnapshot] = field(default_factory=dict)
    #: (ticket id, key into ``plans``), in the tickets' order.
    targets: list[tuple[str, str]] = field(default_factory=list)
    #: Ticket id -> why it has no plan to take.
    refused: dict[str, str] = field(default_factory=dict)


def plan_tickets(session: Session, policy: Policy, tickets: list[Ticket]) -> PlannedTickets:
    """Each ticket takes its customer's current plan from ``policy``, frozen now; a ticket
    taken on the tier of one of the customer's contracts keeps that tier. A ticket with no
    plan to take is refused, with the reason."""
    planned = PlannedTickets()
    refused_keys: dict[str, str] = {}
    now = datetime.now(UTC)
    tiers_of: dict[int, set[str]] = {}
    for ticket in tickets:
        if ticket.customer_id not in tiers_of:  # once per customer, not once per ticket
            tiers_of[ticket.customer_id] = set(session.exec(select(Contract.tier).where(
                Contract.customer_id == ticket.customer_id)))
        tiers = tiers_of[ticket.customer_id]
        customer = session.get(Customer, ticket.customer_id)
        wanted = ticket.plan if ticket.plan in tiers else (customer.plan if customer else "?")
        key = f"{ticket.customer_id}:{wanted}"
        if key not in planned.plans and key not in refused_keys:
            if customer is None or wanted not in policy.plans:
                refused_keys[key] = (f"the customer's plan {wanted!r} is not in "
                                     f"{policy.source_name or 'the policy'}")
            else:
                planned.plans[key] = policy.snapshot(wanted, customer_tam(customer), now,
                                                     customer=customer_contact(customer))
        if key in refused_keys:
            planned.refused[ticket.id] = refused_keys[key]
        else:
            planned.targets.append((ticket.id, key))
    return planned

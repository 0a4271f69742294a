"""Bringing open tickets under another plan or policy version, each through its workflow.

Used by ``POST /customers/{id}/plan`` with ``apply_to_open`` and by ``policy apply``. A
ticket already under the wanted plan and policy version is left alone, so running the
same rollout again after a failure only retries what failed; applying the previous file
the same way rolls it back.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fastapi import HTTPException
from sqlmodel import Session, col, select
from temporalio.client import Client

from api.ticket_commands import customer_contact, customer_tam, query_ticket, update_ticket
from sla.policy import Policy
from sla.snapshot import PlanSnapshot
from store.models import Contract, Customer, Ticket
from workflows.messages import PlanChange
from workflows.ticket import TicketWorkflow

#: Tickets re-targeted at the same time; each is one update round trip.
CONCURRENCY = 8


@dataclass
class Rollout:
    retargeted: list[str] = field(default_factory=list)
    #: Already under the plan and policy version: nothing to do.
    unchanged: list[str] = field(default_factory=list)
    #: Ticket id -> why it did not take the change (it keeps its targets).
    failed: dict[str, str] = field(default_factory=dict)


def open_tickets(session: Session, customer_id: int | None = None) -> list[Ticket]:
    """Open tickets that carry clocks (a linked duplicate has none), oldest first."""
    query = select(Ticket).where(Ticket.status != "closed", col(Ticket.duplicate_of).is_(None))
    if customer_id is not None:
        query = query.where(Ticket.customer_id == customer_id)
    return list(session.exec(query.order_by(col(Ticket.created_at))))


async def apply_to_open_tickets(
    client: Client, session: Session, policy: Policy, tickets: list[Ticket], actor: str,
    reason: str, wait: timedelta,
) -> Rollout:
    """Each ticket takes its customer's current plan from ``policy``, frozen now; a ticket
    taken on the tier of one of the customer's contracts keeps that tier."""
    outcome = Rollout()
    # One snapshot per customer and tier (it resolves the calendars' holidays), or why
    # there is none.
    plans: dict[tuple[int, str | None], PlanSnapshot | str] = {}
    gate = asyncio.Semaphore(CONCURRENCY)

    def plan_of(customer_id: int, tier: str | None) -> PlanSnapshot | str:
        customer = session.get(Customer, customer_id)
        wanted = tier or (customer.plan if customer else "?")
        if customer is None or wanted not in policy.plans:
            return f"the customer's plan {wanted!r} is not in " \
                f"{policy.source_name or 'the policy'}"
        return policy.snapshot(wanted, customer_tam(customer), datetime.now(UTC),
                               customer=customer_contact(customer))

    def contract_tier(ticket: Ticket) -> str | None:
        tiers = set(session.exec(select(Contract.tier).where(
            Contract.customer_id == ticket.customer_id)))
        return ticket.plan if ticket.plan in tiers else None

    async def one(ticket: Ticket) -> None:
        key = (ticket.customer_id, contract_tier(ticket))
        if key not in plans:
            plans[key] = plan_of(*key)
        plan = plans[key]
        if isinstance(plan, str):
            outcome.failed[ticket.id] = plan
            return
        async with gate:
            try:
                current = await query_ticket(client, ticket.id)
                if (current.plan, current.policy_name, current.policy_hash) == \
                        (plan.plan, plan.policy_name, plan.policy_hash):
                    outcome.unchanged.append(ticket.id)
                    return
                await update_ticket(client, session, ticket.id, TicketWorkflow.change_plan,
                                    PlanChange(plan=plan, actor=actor, reason=reason), wait)
            except HTTPException as refused:
                outcome.failed[ticket.id] = str(refused.detail)
                return
        outcome.retargeted.append(ticket.id)

    await asyncio.gather(*(one(ticket) for ticket in tickets))
    order = {ticket.id: index for index, ticket in enumerate(tickets)}
    outcome.retargeted.sort(key=order.__getitem__)
    outcome.unchanged.sort(key=order.__getitem__)
    return outcome

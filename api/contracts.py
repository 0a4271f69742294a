"""Contracts and slots in the database, decided by ``sla.entitlements``.

A slot is taken in ``slotuse`` (one row per ticket) by the ticket's own workflow, as its
first step or in its ``cover`` step (``store.slots``); the projection marks it used at the
first response or gives it back at a closure before that.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from fastapi import HTTPException, status
from sqlmodel import Session, col, select
from temporalio.client import Client

from api.schemas import ContractCreate, ContractPublic, PeriodUsagePublic, RefundPublic
from api.ticket_commands import update_ticket
from sla.entitlements import (
    ContractTerms,
    Decision,
    add_months,
    decide,
    refund_if_justified,
    usage,
)
from sla.policy import Policy
from sla.ticket import Coverage, SlotClaim
from store.models import Contract, Customer, Ticket, as_utc
from store.slots import slot_uses
from workflows.messages import CoverageGiven
from workflows.ticket import TicketWorkflow


def terms(contract: Contract) -> ContractTerms:
    assert contract.id is not None
    return ContractTerms(id=contract.id, kind=contract.kind,  # type: ignore[arg-type]
                         tier=contract.tier, starts_at=contract.starts_at,
                         ends_at=contract.ends_at, slots=contract.slots)


def contract_public(contract: Contract, policy: Policy, session: Session,
                    now: datetime) -> ContractPublic:
    contract_terms = terms(contract)
    periods = usage(contract_terms, slot_uses(session, [contract_terms.id]), now)
    entitlements = policy.entitlements
    refund = refund_if_justified(contract_terms, now,
                                 entitlements.subscription_price.get(contract.tier),
                                 entitlements.price_note)
    return ContractPublic(
        id=contract_terms.id, customer_id=contract.customer_id, kind=contract.kind,
        tier=contract.tier, starts_at=contract.starts_at, ends_at=contract.ends_at,
        slots=contract.slots, note=contract.note, active=contract_terms.active(now),
        slot_price=policy.entitlements.slot_price.get(contract.tier) if contract.kind != "grant"
        else None,
        usage=[PeriodUsagePublic(**asdict(period)) for period in periods],
        unused_slots=sum(period.unserved or 0 for period in periods),
        refund_if_justified=None if refund is None else RefundPublic(**asdict(refund)))


def contract_problems(request: ContractCreate, policy: Policy
                      ) -> tuple[datetime, datetime, list[tuple[str, str]]]:
    """The contract's start and end (UTC without an offset), and what is wrong with the
    request (field, message)."""
    problems: list[tuple[str, str]] = []
    starts = as_utc(request.starts_at)
    if request.tier not in policy.plans:
        problems.append(("tier", f"unknown tier {request.tier!r}; the SLA policy defines "
                                 f"{', '.join(sorted(policy.plans))}"))
    if (request.months is None) == (request.ends_at is None):
        problems.append(("months", "give the term as months or as ends_at (one of them)"))
        return starts, starts, problems
    if request.months is not None:
        ends = add_months(starts, request.months)
    else:
        assert request.ends_at is not None  # exactly one of the two, checked above
        ends = as_utc(request.ends_at)
    if ends <= starts:
        problems.append(("ends_at", "the contract must end after it starts"))
    if request.kind == "grant" and request.slots:
        problems.append(("slots", "a grant is included support: it holds no slots"))
    if request.kind != "grant" and request.slots < 1:
        problems.append(("slots", f"a {request.kind} contract holds at least one slot"))
    minimum = policy.entitlements.minimum_term_months
    if request.kind == "subscription" and ends < add_months(starts, minimum):
        problems.append(("months", f"the shortest subscription is {minimum} months"))
    return starts, ends, problems


def contracts_of(session: Session, customer_id: int) -> list[Contract]:
    return list(session.exec(select(Contract).where(Contract.customer_id == customer_id)
                             .order_by(col(Contract.starts_at), col(Contract.id))))


def decide_for(session: Session, policy: Policy, customer: Customer, ticket_type: str,
               at: datetime) -> Decision:
    assert customer.id is not None
    contracts = [terms(c) for c in contracts_of(session, customer.id) if c.tier in policy.plans]
    # Most customers have no contract: one query is all a new ticket costs them.
    uses = slot_uses(session, [c.id for c in contracts]) if contracts else []
    needs = {plan: policy.needs_slot(plan, ticket_type) for plan in policy.plans}
    return decide(customer.plan, contracts, uses, at, needs)


def coverage_for(decision: Decision, at: datetime) -> tuple[Coverage | None, SlotClaim | None]:
    """What covers a request the decision takes, and the slot it is to claim.

    Nothing is written here: the ticket's workflow takes the slot as its first step
    (``activities.slots``), so a request that never becomes a ticket holds none, and an
    unknown outcome gives none back. The coverage assumes the claim succeeds; if the
    period fills up first, the ticket waits for coverage instead.
    """
    if decision.covered is None:
        return None, None
    if not decision.covered or decision.contract is None:
        return Coverage(covered=False, label=decision.label(), at=at), None
    coverage = Coverage(covered=True, contract_id=decision.contract.id, label=decision.label(),
                        at=at)
    if decision.period_start is None:  # a grant
        return coverage, None
    return coverage, SlotClaim(contract_id=decision.contract.id,
                               period_start=decision.period_start,
                               slots=decision.contract.slots, label=decision.label())


async def cover_waiting_tickets(client: Client, session: Session, policy: Policy,
                                customer: Customer, wait: timedelta) -> list[str]:
    """After a contract is added: the customer's requests that wait for a slot, oldest
    first, take one each while slots last; their clocks start.

    Each ticket takes its slot in its own ``cover`` step, so a request that fails here
    (an outage, a slow worker) gives nothing back: its step either took the slot or will
    not, and running this again covers whoever still waits.
    """
    waiting = session.exec(select(Ticket).where(
        Ticket.customer_id == customer.id, Ticket.coverage == "not_covered",
        Ticket.status != "closed").order_by(col(Ticket.created_at))).all()
    covered = []
    for ticket in waiting:
        now = datetime.now(UTC)
        decision = decide_for(session, policy, customer, ticket.type, now)
        coverage, claim = coverage_for(decision, now)
        if coverage is None or not coverage.covered:
            break
        try:
            await update_ticket(client, session, ticket.id, TicketWorkflow.cover,
                                CoverageGiven(coverage, slot_claim=claim), wait)
        except HTTPException as error:
            if error.status_code == status.HTTP_409_CONFLICT:
                break  # the slot went to another request first
            continue
        covered.append(ticket.id)
    return covered

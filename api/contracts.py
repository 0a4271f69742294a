"""Contracts and slots in the database, decided by ``sla.entitlements``.

A slot is taken in ``slotuse`` (one row per ticket) by the ticket's own workflow, as its
first step or in its ``cover`` step (``store.slots``); the projection marks it used at the
first response or gives it back at a closure before that.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import datetime, timedelta

from sqlmodel import Session, col, select
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy

from api.schemas import ContractCreate, ContractPublic, PeriodUsagePublic, RefundPublic
from sla.entitlements import Decision, add_months, refund_if_justified, usage
from sla.policy import Policy
from store.contracts import decide_for as store_decide_for
from store.contracts import terms
from store.models import Contract, Customer, Ticket, as_utc
from store.slots import slot_uses
from workflows.covering import CoveringWorkflow
from workflows.messages import CoveringInput, CoveringProgress, WaitingRequest


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


def slot_needs(policy: Policy, ticket_type: str) -> dict[str, bool]:
    """For each plan of the policy, whether a request of this type on it needs a slot."""
    return {plan: policy.needs_slot(plan, ticket_type) for plan in policy.plans}


def decide_for(session: Session, policy: Policy, customer: Customer, ticket_type: str,
               at: datetime) -> Decision:
    assert customer.id is not None
    return store_decide_for(session, customer.id, customer.plan, slot_needs(policy, ticket_type),
                            at)


def covering_id(customer_id: int, contract_id: int) -> str:
    """One covering per contract: asking again while it runs follows that one."""
    return f"covering-{customer_id}-{contract_id}"


def plan_covering(session: Session, policy: Policy, customer: Customer) -> CoveringInput:
    """The customer's requests that wait for a slot, oldest first, and the policy's slot
    rules for their types, frozen now."""
    assert customer.id is not None
    waiting = session.exec(select(Ticket).where(
        Ticket.customer_id == customer.id, Ticket.coverage == "not_covered",
        Ticket.status != "closed").order_by(col(Ticket.created_at))).all()
    return CoveringInput(
        customer_id=customer.id, customer_plan=customer.plan,
        needs={ticket_type: slot_needs(policy, ticket_type)
               for ticket_type in {ticket.type for ticket in waiting}},
        requests=[WaitingRequest(ticket.id, ticket.type) for ticket in waiting])


async def cover_waiting_tickets(client: Client, task_queue: str, workflow_id: str,
                                covering: CoveringInput,
                                wait: timedelta) -> tuple[bool, CoveringProgress]:
    """After a contract is added: the customer's waiting requests take a slot each, oldest
    first, while slots last, by ``workflows.covering.CoveringWorkflow``. Waits for it up to
    ``wait``: whether it finished, and where it stands (it goes on after ``wait`` either
    way, and whatever happens to the caller)."""
    handle = await client.start_workflow(
        CoveringWorkflow.run, covering, id=workflow_id, task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        static_summary=f"cover {len(covering.requests)} waiting requests of customer "
                       f"#{covering.customer_id}")
    try:
        return True, await asyncio.wait_for(asyncio.shield(handle.result()),
                                            timeout=wait.total_seconds())
    except TimeoutError:
        return False, await handle.query(CoveringWorkflow.progress)

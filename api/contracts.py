"""Contracts as the API shows them (usage per period, the refund the customer may
demand if their requests are, with good reason, not satisfied) and the checks of a new one.

A slot is taken in ``slotuse`` (one row per ticket) by the ticket's own workflow, as its
first step or in its ``cover`` step (``store.slots``); the projection marks it used at the
first response or gives it back at a closure before that.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlmodel import Session

from api.customer_schemas import ContractCreate, ContractPublic, PeriodUsagePublic, RefundPublic
from sla.policy.entitlements import add_months, refund_if_justified, usage
from sla.policy.rules import Policy
from store.contracts import terms
from store.models import Contract, as_utc
from store.slots import slot_uses


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

"""Contracts in the database, and the coverage decision they give a request now.

The decision itself is ``sla.policy.entitlements.decide``; here are only the reads it needs, so
the API (a new request) and the covering workflow's step (a request that waited) decide
the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session, col, select

from sla.policy.entitlements import ContractTerms, Decision, decide
from store.models import Contract
from store.slots import slot_uses


def terms(contract: Contract) -> ContractTerms:
    assert contract.id is not None
    return ContractTerms(id=contract.id, kind=contract.kind,  # type: ignore[arg-type]
                         tier=contract.tier, starts_at=contract.starts_at,
                         ends_at=contract.ends_at, slots=contract.slots)


def contracts_of(session: Session, customer_id: int) -> list[Contract]:
    return list(session.exec(select(Contract).where(Contract.customer_id == customer_id)
                             .order_by(col(Contract.starts_at), col(Contract.id))))


def decide_for(session: Session, customer_id: int, customer_plan: str,
               needs: Mapping[str, bool], at: datetime) -> Decision:
    """``needs``: for each plan of the policy, whether a request of this type on it needs a
    slot (contracts on tiers the policy no longer has are left out)."""
    contracts = [terms(c) for c in contracts_of(session, customer_id) if c.tier in needs]
    # Most customers have no contract: one query is all a new ticket costs them.
    uses = slot_uses(session, [c.id for c in contracts]) if contracts else []
    return decide(customer_plan, contracts, uses, at, dict(needs))

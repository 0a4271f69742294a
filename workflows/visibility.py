"""The ticket's entry in Temporal's visibility store: its search attributes, upserted when
they change, each addition behind a patch so older tickets replay unchanged."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from sla.ticket import lifecycle
    from sla.ticket.state import TicketState
    from workflows import search_attributes as sa
from workflows.patches import POLICY_VERSION_ATTRIBUTE, SEARCH_ATTRIBUTES_V2, Patches


def _publishes_policy_version(patched: Patches) -> bool:
    """Its own function so the replay test can take the guard away and watch replay fail."""
    return patched(POLICY_VERSION_ATTRIBUTE)


def _same(current: object, wanted: object) -> bool:
    """Visibility may store datetimes at a coarser precision than ours."""
    if isinstance(current, datetime) and isinstance(wanted, datetime):
        return abs(current - wanted) < timedelta(milliseconds=1)
    return current == wanted


def upsert_ticket_attributes(state: TicketState, patched: Patches) -> None:
    """Publish what changed of the ticket's search attributes (nothing when nothing did)."""
    details = state.details
    # Tickets started before the next-due attributes existed keep upserting the
    # original set, so their histories replay unchanged.
    with_next_due = patched(SEARCH_ATTRIBUTES_V2)
    next_due = lifecycle.next_due(state) if with_next_due else None
    plan = state.plan
    policy = sa.policy_version(plan.policy_name, plan.policy_hash)
    if policy is not None and not _publishes_policy_version(patched):
        policy = None
    attributes = sa.ticket_attributes(
        status=state.status, severity=details.severity, plan=state.plan.plan,
        customer_id=details.customer_id, escalation_level=state.escalation_level,
        breached=state.breached,
        ticket_id=details.ticket_id if with_next_due else None,
        ticket_type=details.type if with_next_due else None,
        next_due=next_due, policy=policy,
    )
    current = workflow.info().typed_search_attributes
    updates: list[SearchAttributeUpdate[Any]] = [
        pair.key.value_set(pair.value) for pair in attributes
        if not _same(current.get(pair.key), pair.value)
    ]
    if with_next_due and next_due is None:
        updates += [key.value_unset() for key in (sa.NEXT_DUE_AT, sa.NEXT_DUE_CLOCK)
                    if current.get(key) is not None]
    if updates:
        workflow.upsert_search_attributes(updates)

"""Covering a request that waited for a slot: its clocks start from that moment."""

from __future__ import annotations

from datetime import datetime

from sla.policy.entitlements import NO_SLOT_LEFT, Decision
from sla.ticket.lifecycle import advance_unless_refused, committed_dues, wait_for_coverage
from sla.ticket.records import record, tell_customer
from sla.ticket.state import Coverage, SlotClaim, TicketState
from sla.vocabulary import NoticeKind, TicketStatus, TimelineKind

#: How the ``cover`` refusals begin, so a covering step can tell them apart.
ALREADY_COVERED = "the request is already covered"
NO_SLOT_IS_LEFT = "no slot is left in"


def refusal_cover(state: TicketState) -> str | None:
    if state.status == TicketStatus.CLOSED:
        return "the ticket is closed"
    if state.coverage is None:
        return f"requests on the {state.plan.plan} tier need no slot"
    if state.coverage.covered:
        return f"{ALREADY_COVERED}: {state.coverage.label}"
    return None


def cover(state: TicketState, now: datetime, coverage: Coverage) -> None:
    """A slot was added (or an agent covers the request by hand): the clocks start now,
    counted as if the request had come in now."""
    advance_unless_refused(state, now, lambda: refusal_cover(state))
    state.coverage = coverage
    for clock in state.clocks.values():
        if not clock.stopped:
            clock.started_at = now
            clock.resume(now)
    record(state, now, TimelineKind.COVERED, f"agent:{coverage.by}" if coverage.by else "system",
           coverage.label)
    tell_customer(state, now, NoticeKind.TICKET_RECEIVED, f"we are on it: {state.details.subject}",
                  f"Your request is covered ({coverage.label}) and we are on it.",
                  **committed_dues(state))


def slot_went_elsewhere(state: TicketState, now: datetime) -> None:
    """The slot the request came in on went to another request first (the ticket takes
    it as its first step, before anything is sent): it waits for coverage instead, and
    the customer hears that rather than the receipt."""
    state.pending_notifications = [message for message in state.pending_notifications
                                   if message.kind != NoticeKind.TICKET_RECEIVED]
    state.coverage = Coverage(covered=False, label=NO_SLOT_LEFT, at=now)
    wait_for_coverage(state, now, "the last support slot went to another request first; "
                                  "its clocks start once it is covered")


def coverage_for(decision: Decision, at: datetime) -> tuple[Coverage | None, SlotClaim | None]:
    """What covers a request the decision takes, and the slot it is to claim.

    Nothing is written here: the ticket's workflow takes the slot as its first step (or in
    its ``cover`` step), so a request that never becomes a ticket holds none, and an
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

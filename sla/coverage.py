"""Covering a request that waited for a slot: its clocks start from that moment."""

from __future__ import annotations

from datetime import datetime

from sla.entitlements import NO_SLOT_LEFT
from sla.lifecycle import advance_unless_refused, committed_dues, wait_for_coverage
from sla.records import record, tell_customer
from sla.ticket import Coverage, TicketState


def refusal_cover(state: TicketState) -> str | None:
    if state.status == "closed":
        return "the ticket is closed"
    if state.coverage is None:
        return f"requests on the {state.plan.plan} tier need no slot"
    if state.coverage.covered:
        return f"the request is already covered: {state.coverage.label}"
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
    record(state, now, "covered", f"agent:{coverage.by}" if coverage.by else "system",
           coverage.label)
    tell_customer(state, now, "ticket_received", f"we are on it: {state.details.subject}",
                  f"Your request is covered ({coverage.label}) and we are on it.",
                  **committed_dues(state))


def slot_went_elsewhere(state: TicketState, now: datetime) -> None:
    """The slot the request came in on went to another request first (the ticket takes
    it as its first step, before anything is sent): it waits for coverage instead, and
    the customer hears that rather than the receipt."""
    state.pending_notifications = [message for message in state.pending_notifications
                                   if message.kind != "ticket_received"]
    state.coverage = Coverage(covered=False, label=NO_SLOT_LEFT, at=now)
    wait_for_coverage(state, now, "the last support slot went to another request first; "
                                  "its clocks start once it is covered")

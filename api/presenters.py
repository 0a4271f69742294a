"""How the API shows a ticket: to staff whole, to a customer only what the contract
commits to."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from api.schemas import TicketPublic
from sla.ticket.clocks import COMMITMENT
from sla.ticket.view import TicketView
from sla.vocabulary import ClockState


def public(view: TicketView, for_customer: bool = False) -> TicketPublic:
    """The ticket as the API shows it; to a customer, only what the contract commits to."""
    fields = asdict(view)
    fields["id"] = fields.pop("ticket_id")
    # A view written before the count was kept listed every duplicate.
    fields["duplicates_linked"] = max(view.duplicates_linked, len(view.duplicates))
    if for_customer:
        fields.update(customer_fields(view))
    return TicketPublic.model_validate(fields)


def customer_fields(view: TicketView) -> dict[str, Any]:
    """What a customer key reads instead: internal targets (the team's own assumptions)
    are no promise to the customer, so their clocks, breaches and the internal messages
    and escalations they caused are left out."""
    committed = [clock for clock in view.clocks if clock.kind == COMMITMENT]
    breached = any(clock.breached_at is not None for clock in committed)
    upcoming = min(((clock.due_at, clock.name) for clock in committed
                    if clock.due_at is not None and clock.state == ClockState.RUNNING),
                   default=None)
    return {
        "clocks": [asdict(clock) for clock in committed],
        "breached": breached,
        "escalation_level": view.escalation_level if breached else 0,
        "escalated_to": None,
        "next_due_at": upcoming[0] if upcoming else None,
        "next_due_clock": upcoming[1] if upcoming else None,
        "held_notices": [],
        # The team's own trouble, with database errors in it: not the customer's to read.
        "failing_step": None,
    }

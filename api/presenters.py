"""How the API shows a ticket: to staff whole, to a customer only what the contract
commits to and nothing of the team's own traffic."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from api.schemas import CustomerTicketPublic, TicketPublic
from sla.ticket.clocks import COMMITMENT
from sla.ticket.view import TicketView
from sla.vocabulary import ClockState

#: A ticket as a route that customers and staff both call answers it.
TicketRead = TicketPublic | CustomerTicketPublic


def _fields(view: TicketView) -> dict[str, Any]:
    fields = asdict(view)
    fields["id"] = fields.pop("ticket_id")
    # A view written before the count was kept listed every duplicate.
    fields["duplicates_linked"] = max(view.duplicates_linked, len(view.duplicates))
    return fields


def public(view: TicketView) -> TicketPublic:
    """The ticket as the team reads it."""
    return TicketPublic.model_validate(_fields(view))


def shown(view: TicketView, for_customer: bool) -> TicketRead:
    """The ticket as the caller may read it: a customer key gets the customer's view."""
    return customer_view(view) if for_customer else public(view)


def customer_view(view: TicketView) -> CustomerTicketPublic:
    """What a customer key reads: internal targets (the team's own assumptions) are no
    promise to the customer, so their clocks and breaches are left out; the response
    model itself has no room for contacts, escalation levels, pages or failing steps."""
    fields = _fields(view)
    committed = [clock for clock in view.clocks if clock.kind == COMMITMENT]
    upcoming = min(((clock.due_at, clock.name) for clock in committed
                    if clock.due_at is not None and clock.state == ClockState.RUNNING),
                   default=None)
    fields.update({
        "clocks": [asdict(clock) for clock in committed],
        "breached": any(clock.breached_at is not None for clock in committed),
        "next_due_at": upcoming[0] if upcoming else None,
        "next_due_clock": upcoming[1] if upcoming else None,
    })
    return CustomerTicketPublic.model_validate(fields)

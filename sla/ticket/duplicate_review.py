"""An agent decides on a suspected duplicate: the same problem as another ticket, or not.

A ticket that looks like an open one of the same customer keeps its own clocks while it is
only suspected, so a problem is never left without a deadline because of a look-alike.
Confirmed, its clocks end (the original carries the SLA) and both timelines say so;
rejected, it goes on as a ticket of its own.
"""

from __future__ import annotations

from datetime import datetime

from sla.ticket.lifecycle import advance_unless_refused
from sla.ticket.records import cancel_held, record
from sla.ticket.state import TicketState
from sla.vocabulary import ClockName, TicketStatus, TimelineKind

#: Not an SLA target: a callback owed after an emergency call is still owed.
KEPT_RUNNING = (ClockName.CALLBACK,)


def refusal_decide_duplicate(state: TicketState) -> str | None:
    if state.details.duplicate_of is not None:
        return f"the ticket is already a confirmed duplicate of {state.details.duplicate_of}"
    if state.details.possible_duplicate_of is None:
        return "the ticket is not a suspected duplicate of another"
    if state.status == TicketStatus.CLOSED:
        return "the ticket is closed"
    return None


def decide_duplicate(state: TicketState, now: datetime, confirmed: bool, author: str,
                     reason: str = "") -> str:
    """Confirm or reject the suspected link; returns the original ticket's id."""
    advance_unless_refused(state, now, lambda: refusal_decide_duplicate(state))
    original = state.details.possible_duplicate_of
    assert original is not None
    state.details.possible_duplicate_of = None
    because = f": {reason}" if reason else ""
    if not confirmed:
        record(state, now, TimelineKind.DUPLICATE_REJECTED, f"agent:{author}",
               f"not the problem of {original}{because}; the ticket keeps its own clocks")
        return original
    state.details.duplicate_of = original
    ended = [name for name, clock in state.clocks.items()
             if name not in KEPT_RUNNING and not clock.stopped]
    for name in ended:
        state.clocks[name].end(now)
    cancel_held(state, now, f"a duplicate of {original}", clocks=set(ended))
    record(state, now, TimelineKind.DUPLICATE_CONFIRMED, f"agent:{author}",
           f"the same problem as {original}{because}; its clocks carry the SLA, so these end"
           + (f" ({', '.join(ended)})" if ended else ""))
    return original

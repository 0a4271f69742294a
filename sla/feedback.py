"""The customer's rating of a closed ticket: once per closure (a reopened and closed again
ticket is rated again)."""

from __future__ import annotations

from datetime import datetime

from sla.lifecycle import advance_unless_refused
from sla.records import record
from sla.ticket import Feedback, TicketState

RATINGS = range(1, 6)


def refusal_feedback(state: TicketState, rating: int) -> str | None:
    if rating not in RATINGS:
        return "a rating is a whole number from 1 to 5"
    if state.status != "closed":
        return f"feedback is given once the ticket is closed; it is {state.status}"
    given = next((item for item in state.feedback if item.closure == state.closures), None)
    if given is not None:
        return f"feedback on this closure was already given at {given.at:%Y-%m-%d %H:%M} UTC"
    return None


def record_feedback(state: TicketState, now: datetime, rating: int, comment: str) -> None:
    advance_unless_refused(state, now, lambda: refusal_feedback(state, rating))
    state.feedback.append(Feedback(closure=state.closures, rating=rating, comment=comment,
                                   at=now))
    record(state, now, "feedback", "customer",
           f"rated {rating}/5" + (f": {comment}" if comment else ""))

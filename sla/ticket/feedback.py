"""The customer's rating of a closed ticket: once per closure (a reopened and closed again
ticket is rated again), with an API key or the link sent at closure."""

from __future__ import annotations

from datetime import datetime

from sla.ticket import bounds
from sla.ticket.feedback_link import closure_status, given_feedback, link_status
from sla.ticket.lifecycle import advance_unless_refused
from sla.ticket.records import record
from sla.ticket.state import Feedback, TicketState
from sla.vocabulary import FeedbackLinkStatus, TicketStatus, TimelineKind

RATINGS = range(1, 6)


def refusal_feedback(state: TicketState, rating: int, token: str | None = None,
                     link_closure: int | None = None) -> str | None:
    """``token``: a link under the ticket's own secret; ``link_closure``: the closure of a
    link the API verified under the server's secret."""
    if rating not in RATINGS:
        return "a rating is a whole number from 1 to 5"
    if token is not None or link_closure is not None:
        status = link_status(state, token) if token is not None \
            else closure_status(state, link_closure or 0)
        if status == FeedbackLinkStatus.INVALID:
            return "this feedback link is not valid for the ticket"
        if status == FeedbackLinkStatus.EARLIER_CLOSURE:
            return "this feedback link is for an earlier closing of the ticket; " \
                "use the one in the latest message"
        if status == FeedbackLinkStatus.REOPENED:
            return "the ticket was reopened; a new link comes when it closes again"
    if state.status != TicketStatus.CLOSED:
        return f"feedback is given once the ticket is closed; it is {state.status}"
    given = given_feedback(state)
    if given is not None:
        return f"feedback on this closure was already given at {given.at:%Y-%m-%d %H:%M} UTC"
    return None


def record_feedback(state: TicketState, now: datetime, rating: int, comment: str,
                    token: str | None = None, link_closure: int | None = None) -> None:
    advance_unless_refused(state, now,
                           lambda: refusal_feedback(state, rating, token, link_closure))
    state.feedback.append(Feedback(closure=state.closures, rating=rating, comment=comment,
                                   at=now))
    bounds.keep_last(state.feedback, bounds.FEEDBACK_KEPT)
    # The rating goes on the entry as a number: reports count it, never the words.
    record(state, now, TimelineKind.FEEDBACK, "customer",
           f"rated {rating}/5" + (f": {comment}" if comment else ""), rating=rating)

"""The link to rate a closed ticket, sent at each closure.

It carries a token: an HMAC of the ticket and the closure under the ticket's own secret,
so it works without an API key, only for that ticket and that closure, and cannot be
guessed.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from sla.ticket.records import tell_customer
from sla.ticket.state import Feedback, TicketState
from sla.vocabulary import FeedbackLinkStatus, NoticeKind, TicketStatus

#: The old name of ``sla.vocabulary.FeedbackLinkStatus``.
LinkStatus = FeedbackLinkStatus


def feedback_token(state: TicketState, closure: int) -> str:
    message = f"{state.ticket_id}:{closure}".encode()
    return hmac.new(state.feedback_secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def token_digest(token: str) -> str:
    """What the database keeps of a link's token: enough to check one, not to make one."""
    return hashlib.sha256(token.encode()).hexdigest()


def latest_link_digest(state: TicketState) -> str | None:
    """The digest of the latest closure's link (None: never closed)."""
    if not state.feedback_secret or not state.closures:
        return None
    return token_digest(feedback_token(state, state.closures))


def link_status(state: TicketState, token: str) -> LinkStatus:
    """What a feedback link is good for now."""
    if not state.feedback_secret or not state.closures:
        return FeedbackLinkStatus.INVALID
    for closure in range(state.closures, 0, -1):
        if hmac.compare_digest(feedback_token(state, closure), token):
            if closure != state.closures:
                return FeedbackLinkStatus.EARLIER_CLOSURE
            if state.status != TicketStatus.CLOSED:
                return FeedbackLinkStatus.REOPENED
            return FeedbackLinkStatus.GIVEN if given_feedback(state) is not None \
                else FeedbackLinkStatus.OPEN
    return FeedbackLinkStatus.INVALID


def given_feedback(state: TicketState) -> Feedback | None:
    return next((item for item in state.feedback if item.closure == state.closures), None)


def ask_for_feedback(state: TicketState, at: datetime) -> None:
    """The feedback request of the closure that just happened, with its link's token."""
    tell_customer(state, at, NoticeKind.FEEDBACK_REQUEST, "how did we do?",
                  "Your ticket is closed. Tell us how we did with the link in this message, "
                  f"or give your rating with POST /tickets/{state.ticket_id}/feedback.",
                  feedback_token=feedback_token(state, state.closures))

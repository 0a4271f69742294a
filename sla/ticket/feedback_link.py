"""The link to rate a closed ticket, sent at each closure.

It carries a token: an HMAC of the ticket and the closure, so it works without an API key,
only for that ticket and that closure, and cannot be guessed.

The key is the server's (FEEDBACK_LINK_SECRET, ``server_token``): it never enters a
workflow's history, and the worker renders the link from the closure's number alone.
Tickets that started before kept a secret of their own in their state (``feedback_token``:
32 hex digits), and their links are checked by the workflow as they always were; a server
token is longer (the closure's number follows the HMAC), so the two are told apart.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime

from sla.ticket.records import tell_customer
from sla.ticket.state import Feedback, TicketState
from sla.vocabulary import FeedbackLinkStatus, NoticeKind, TicketStatus

#: The old name of ``sla.vocabulary.FeedbackLinkStatus``.
LinkStatus = FeedbackLinkStatus


#: Hex digits of the HMAC in a token: 128 bits.
TOKEN_HMAC_LENGTH = 32
#: A token's longest form (the page's query parameter allows as much).
TOKEN_MAX_LENGTH = 64


def server_token(secret: str, ticket_id: str, closure: int) -> str:
    """The link's token under the server's secret: the HMAC, then the closure in hex."""
    message = f"{ticket_id}:{closure}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"{digest[:TOKEN_HMAC_LENGTH]}{closure:x}"


def is_server_token(token: str) -> bool:
    return TOKEN_HMAC_LENGTH < len(token) <= TOKEN_MAX_LENGTH


def verified_closure(secrets: Sequence[str], ticket_id: str, token: str) -> int | None:
    """The closure a server token is good for, under any of ``secrets`` (newest first: a
    link sent before a rotation still opens while its secret is listed); None: no such
    link."""
    if not is_server_token(token):
        return None
    try:
        closure = int(token[TOKEN_HMAC_LENGTH:], 16)
    except ValueError:
        return None
    if closure < 1:
        return None
    matched = False
    for secret in secrets:
        # Every secret is tried: how long a check takes says nothing of which one matched.
        matched |= hmac.compare_digest(server_token(secret, ticket_id, closure), token)
    return closure if matched else None


def feedback_token(state: TicketState, closure: int) -> str:
    """A link's token under the ticket's own secret (tickets started before server tokens)."""
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
            return closure_status(state, closure)
    return FeedbackLinkStatus.INVALID


def closure_status(state: TicketState, closure: int) -> LinkStatus:
    """What a genuine link of closure number ``closure`` is good for now."""
    if not 1 <= closure <= state.closures:
        return FeedbackLinkStatus.INVALID
    if closure != state.closures:
        return FeedbackLinkStatus.EARLIER_CLOSURE
    if state.status != TicketStatus.CLOSED:
        return FeedbackLinkStatus.REOPENED
    return FeedbackLinkStatus.GIVEN if given_feedback(state) is not None \
        else FeedbackLinkStatus.OPEN


def given_feedback(state: TicketState) -> Feedback | None:
    return next((item for item in state.feedback if item.closure == state.closures), None)


def ask_for_feedback(state: TicketState, at: datetime) -> None:
    """The feedback request of the closure that just happened: the closure's number, which
    the worker makes the link from; a ticket with a secret of its own sends its token."""
    link: dict[str, str] = {"feedback_closure": str(state.closures)}
    if state.feedback_secret:
        link = {"feedback_token": feedback_token(state, state.closures)}
    tell_customer(state, at, NoticeKind.FEEDBACK_REQUEST, "how did we do?",
                  "Your ticket is closed. Tell us how we did with the link in this message, "
                  f"or give your rating with POST /tickets/{state.ticket_id}/feedback.",
                  **link)

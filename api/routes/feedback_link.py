"""The page a feedback link opens: the customer rates a closed ticket without an API key.

The link's token (``sla.ticket.feedback_link``) is the only credential: it is good for one ticket
and its latest closure. A wrong token looks exactly like a missing ticket (404).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, status
from fastapi.responses import HTMLResponse

from api.deps import ResourcesDep, SessionDep
from api.errors import status_of
from api.routes.pages import render_page
from tickets.commands import change_ticket, feedback_link_of
from tickets.errors import TicketError
from tickets.scrub import Scrubber
from workflows.messages import FeedbackGiven, FeedbackLink

router = APIRouter(tags=["feedback link"])
Token = Annotated[str, Query(min_length=1, max_length=64)]
EXPLANATIONS = {
    "earlier_closure": "This link is for an earlier closing of the ticket; use the one in "
                       "the latest message.",
    "reopened": "The ticket was reopened. You will get a new link when it closes again.",
    "given": "Thank you: your rating of this ticket is already recorded.",
}


def _page(code: int, **context: object) -> HTMLResponse:
    return HTMLResponse(render_page("feedback.html", **context), status_code=code)


def _no_such_link() -> HTMLResponse:
    return _page(status.HTTP_404_NOT_FOUND, link=None,
                 message="This feedback link is not valid. Check that it was copied whole.")


async def _link(resources: ResourcesDep, ticket_id: str, token: str) -> FeedbackLink | None:
    return await feedback_link_of(resources.temporal, ticket_id, token)


@router.get("/feedback/{ticket_id}", response_class=HTMLResponse)
async def feedback_form(ticket_id: str, token: Token, resources: ResourcesDep) -> HTMLResponse:
    """The rating form of a closed ticket, opened from the link in the feedback request."""
    link = await _link(resources, ticket_id, token)
    if link is None:
        return _no_such_link()
    if link.status != "open":
        return _page(status.HTTP_200_OK, link=link, message=EXPLANATIONS[link.status])
    return _page(status.HTTP_200_OK, link=link, token=token, message=None)


@router.post("/feedback/{ticket_id}", response_class=HTMLResponse)
async def submit_feedback(
    ticket_id: str,
    token: Annotated[str, Form(min_length=1, max_length=64)],
    rating: Annotated[int, Form(ge=1, le=5)],
    resources: ResourcesDep,
    session: SessionDep,
    comment: Annotated[str, Form(max_length=20_000)] = "",
) -> HTMLResponse:
    """Record the rating sent from the form (the same once-per-closure rule as the API)."""
    link = await _link(resources, ticket_id, token)
    if link is None:
        return _no_such_link()
    argument = FeedbackGiven(rating=rating, comment=Scrubber()("comment", comment), token=token)
    try:
        await change_ticket(resources.temporal, session, ticket_id, argument, resources.wait)
    except TicketError as refused:
        return _page(status_of(refused), link=link, message=refused.detail)
    return _page(status.HTTP_200_OK, link=link, message=f"Thank you: you rated {rating}/5.")

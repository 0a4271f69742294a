"""The page a feedback link opens: the customer rates a closed ticket without an API key.

The link's token (``sla.ticket.feedback_link``, signed with FEEDBACK_LINK_SECRET) is the only
credential: it is good for one ticket and its latest closure. A wrong token looks exactly like
a missing ticket (404), and both are told without asking the ticket's workflow; each address has a few tries a
minute (``FEEDBACK_REQUESTS_PER_MINUTE``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse

from api.deps import ResourcesDep, SessionDep
from api.errors import status_of
from api.forms import text_problem_of
from api.routes.pages import render_page
from api.web_auth import RequestLimiter, client_address
from tickets.changes import Audience, ChangeKind, Rate, parse_change
from tickets.commands import checked_feedback_link, make_change
from tickets.errors import Invalid, TicketError
from workflows.messages import FeedbackLink

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


def _too_many() -> HTMLResponse:
    return _page(status.HTTP_429_TOO_MANY_REQUESTS, link=None,
                 message="Too many tries from your address: wait a minute, then open the link "
                         "again.")


def _limited(request: Request, resources: ResourcesDep) -> bool:
    """Counts the request against its address: a link guesser is turned away, a person
    opening and sending the form never is."""
    limiter: RequestLimiter | None = getattr(request.app.state, "feedback_limiter", None)
    if limiter is None:
        limiter = request.app.state.feedback_limiter = RequestLimiter()
    return not limiter.allow(client_address(request),
                             resources.settings.feedback_requests_per_minute)


async def _link(resources: ResourcesDep, session: SessionDep, ticket_id: str,
                token: str) -> FeedbackLink | HTMLResponse:
    """The link's standing, or the page that says why there is none."""
    try:
        link = await checked_feedback_link(resources, session, ticket_id, token)
    except TicketError as error:
        return _page(status_of(error), link=None, message=error.detail)
    return _no_such_link() if link is None else link


#: Said in the OpenAPI document: an address past its share is turned away.
_LIMITED: dict[int | str, dict[str, Any]] = {429: {
    "description": "Too many feedback-page requests from this address in a minute "
                   "(FEEDBACK_REQUESTS_PER_MINUTE)"}}


@router.get("/feedback/{ticket_id}", response_class=HTMLResponse, responses=_LIMITED)
async def feedback_form(ticket_id: str, token: Token, request: Request, resources: ResourcesDep,
                        session: SessionDep) -> HTMLResponse:
    """The rating form of a closed ticket, opened from the link in the feedback request."""
    if _limited(request, resources):
        return _too_many()
    link = await _link(resources, session, ticket_id, token)
    if isinstance(link, HTMLResponse):
        return link
    if link.status != "open":
        return _page(status.HTTP_200_OK, link=link, message=EXPLANATIONS[link.status])
    return _page(status.HTTP_200_OK, link=link, token=token, message=None)


#: The form's fields, documented here: the route reads the body itself (``api.forms``).
_FORM_SCHEMA = {"requestBody": {"required": True, "content": {
    "application/x-www-form-urlencoded": {"schema": {
        "type": "object", "required": ["token", "rating"],
        "properties": {
            "token": {"type": "string", "minLength": 1, "maxLength": 64},
            "rating": {"type": "integer", "minimum": 1, "maximum": 5},
            "comment": {"type": "string", "maxLength": 20_000},
            "request_key": {"type": "string", "maxLength": 200},
        }}}}}}


@router.post("/feedback/{ticket_id}", response_class=HTMLResponse, openapi_extra=_FORM_SCHEMA,
             responses=_LIMITED)
async def submit_feedback(ticket_id: str, request: Request, resources: ResourcesDep,
                          session: SessionDep) -> HTMLResponse:
    """Record the rating sent from the form: the same change, checks and once-per-closure
    rule as ``POST /tickets/{id}/feedback``."""
    if _limited(request, resources):
        return _too_many()
    problem = await text_problem_of(request)
    form = {key: value for key, value in (await request.form()).items()
            if isinstance(value, str)}
    token = form.get("token", "")
    if not 1 <= len(token) <= 64:
        return _no_such_link()
    try:
        if problem is not None:
            raise problem
        change = parse_change(ChangeKind.RATE, {"rating": form.get("rating", ""),
                                                "comment": form.get("comment", ""),
                                                "token": token}, Audience.CUSTOMER)
    except Invalid as error:
        # Said before the ticket is asked anything: a bad post costs no workflow query.
        return _page(status.HTTP_422_UNPROCESSABLE_CONTENT, token=token, message=None,
                     error=error.detail, link=FeedbackLink("open", ticket_id, subject=""))
    link = await _link(resources, session, ticket_id, token)
    if isinstance(link, HTMLResponse):
        return link
    request_key = form.get("request_key", "")[:200]
    try:
        await make_change(resources, session, ticket_id, change,
                          f"feedback:{request_key}" if request_key else None)
    except TicketError as refused:
        return _page(status_of(refused), link=link, message=refused.detail)
    assert isinstance(change, Rate)
    return _page(status.HTTP_200_OK, link=link,
                 message=f"Thank you: you rated {change.rating}/5.")

"""The emergency line: the representative's intake form and the telephony webhook."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response, status
from fastapi.responses import JSONResponse
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

from api.auth import Intake
from api.deps import ResourcesDep, SessionDep, off_loop
from api.schemas import EmergencyCallAccepted, EmergencyCallCreate, ErrorPublic, TicketAccepted
from sla.policy.rules import EmergencyPolicy
from sla.ticket.state import EmergencyCall
from sla.ticket.view import TicketView
from sla.vocabulary import ClockName
from tickets.emergency_calls import (
    find_customer,
    normalize_phone,
    require_emergency_line,
    route_call,
)
from tickets.errors import Forbidden, NoEmergencyLine, Unavailable, invalid
from tickets.scrub import Scrubber

router = APIRouter(tags=["emergency line"])

#: A call may be posted a little after it was taken; a time further ahead is a mistake.
CLOCK_SKEW = timedelta(minutes=5)
#: The representative posts the form during or right after the call, not days later.
OLDEST_CALL = timedelta(hours=24)


def _line_exists(resources: ResourcesDep) -> None:
    # A dependency: FastAPI solves it before it validates the body, so a policy without a
    # line answers that, not that a form field is missing.
    require_emergency_line(resources.policy)


#: Under a policy without ``[emergency]`` both doors answer this, before reading the form.
NO_LINE: dict[int | str, dict[str, object]] = {404: {
    "model": ErrorPublic, "description": NoEmergencyLine.DETAIL}}


def _accepted(call: EmergencyCall, ticket_id: str, created: bool,
              view: TicketView | None) -> EmergencyCallAccepted:
    due = None
    if view is not None:
        due = next((clock.due_at for clock in view.clocks if clock.name == ClockName.CALLBACK),
                   None)
    return EmergencyCallAccepted(call_id=call.call_id, ticket_id=ticket_id, ticket_created=created,
                                 unknown_caller=call.unknown_caller, callback_due_at=due)


@router.post(
    "/emergency-calls",
    response_model=EmergencyCallAccepted,
    status_code=status.HTTP_201_CREATED,
    responses={202: {"model": TicketAccepted, "description": "recorded; worker not answering"},
               **NO_LINE},
)
async def take_call(
    request: EmergencyCallCreate,
    resources: ResourcesDep,
    session: SessionDep,
    caller: Intake,
    _line: Annotated[None, Depends(_line_exists)],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> EmergencyCallAccepted | JSONResponse:
    """Record a call to the emergency line; the callback clock starts (24/7).

    The call goes to the named ticket, else the caller's latest open ticket (matched by
    phone, email or company), else a new critical ticket; a number no customer has opens
    at most one ticket per window (``EMERGENCY_UNKNOWN_CALLER_WINDOW_MINUTES``), later calls
    from it are recorded there. The same call posted twice (same Idempotency-Key, or the
    same form and ``taken_at``) is recorded once.
    """
    now = datetime.now(UTC)
    taken_at = request.taken_at or now
    if taken_at.tzinfo is None:
        raise invalid(("body", "taken_at"),
                      "give a time zone offset, e.g. 2026-03-06T17:00:00+01:00")
    if taken_at > now + CLOCK_SKEW:
        raise invalid(("body", "taken_at"), "is in the future")
    if taken_at < now - OLDEST_CALL:
        raise invalid(("body", "taken_at"),
                      "is more than 24 hours ago; open a ticket for an older call")
    scrub = Scrubber()
    request = await off_loop(lambda: request.model_copy(update={
        "description": scrub("description", request.description)}))
    # The same words at another time are another call; a form posted again is the same
    # one. Without taken_at, a repost within the same minute is taken for a retry.
    form = request.model_dump(mode="json", exclude={"taken_at"})
    form["taken_at"] = (request.taken_at or now.replace(second=0, microsecond=0)
                        ).astimezone(UTC).isoformat()
    call_id = "intake:" + (idempotency_key or hashlib.sha256(
        json.dumps(form, sort_keys=True).encode()).hexdigest()[:24])
    call = EmergencyCall(
        call_id=call_id, taken_at=taken_at, source="intake",
        company_name=request.company_name, contact_name=request.contact_name,
        contact_phone=request.contact_phone, contact_email=request.contact_email,
        description=request.description,
    )
    routed = await route_call(resources, session, call, ticket_id=request.ticket_id)
    if routed.view is None:
        body = TicketAccepted(id=routed.ticket_id, detail="the call is recorded and the callback "
                              "clock runs; the worker has not confirmed yet")
        return JSONResponse(body.model_dump(), status_code=status.HTTP_202_ACCEPTED,
                            headers={"Location": f"/tickets/{routed.ticket_id}"})
    accepted = _accepted(call, routed.ticket_id, routed.created, routed.view)
    accepted.masked = scrub.masked
    return accepted


def _spoken(ticket_id: str) -> str:
    # Read out one character at a time: "T C K dash 4 F ...".
    return " ".join("dash" if char == "-" else char for char in ticket_id)


@router.post("/telephony/voice", response_class=Response,
             responses={200: {"content": {"application/xml": {}}, "description": "TwiML"},
                        403: {"description": "missing or wrong X-Twilio-Signature"},
                        **NO_LINE})
async def emergency_number(
    request: Request,
    resources: ResourcesDep,
    session: SessionDep,
    signature: Annotated[str | None, Header(alias="X-Twilio-Signature")] = None,
) -> Response:
    """Twilio's voice webhook for Emergency Number 1: record the call, answer with TwiML."""
    require_emergency_line(resources.policy)
    token = resources.settings.twilio_auth_token
    if token is None:
        raise Unavailable("telephony is not configured (TWILIO_AUTH_TOKEN)")
    params = {key: str(value) for key, value in (await request.form()).items()}
    url = str(request.url)
    if resources.settings.public_base_url:
        url = resources.settings.public_base_url.rstrip("/") + request.url.path
        if request.url.query:
            url += f"?{request.url.query}"
    if not signature or not RequestValidator(token.get_secret_value()).validate(
            url, params, signature):
        raise Forbidden("invalid X-Twilio-Signature")
    call_sid, caller = params.get("CallSid", "").strip(), params.get("From", "").strip()
    if not call_sid or not caller:
        raise invalid(("body", "CallSid" if not call_sid else "From"),
                      "CallSid and From are required", "missing")
    customer = await off_loop(lambda: find_customer(session, caller, "", ""))
    call = EmergencyCall(
        call_id=f"call:{call_sid}", taken_at=datetime.now(UTC), source="telephony",
        company_name=customer.name if customer else "unknown", contact_name="caller",
        contact_phone=normalize_phone(caller) or caller,
        contact_email=(customer.email or "") if customer else "",
        description=f"Call to the emergency number {params.get('To', '')} from {caller}",
    )
    # The caller dialled the emergency number: their open critical ticket, or a new one.
    routed = await route_call(resources, session, call, customer=customer, critical_only=True)
    emergency = resources.policy.emergency
    answer = VoiceResponse()
    if call.unknown_caller:
        # The team is paged; a caller nobody knows is promised no callback and no time.
        answer.say(emergency.unknown_caller_message)
        answer.say(f"Your ticket reference is {_spoken(routed.ticket_id)}.")
    else:
        answer.say(f"Your ticket reference is {_spoken(routed.ticket_id)}. "
                   f"{callback_promise(emergency)}")
    return Response(content=str(answer), media_type="application/xml")


def callback_promise(emergency: EmergencyPolicy) -> str:
    """What the caller is told of the callback, in the document's words (Bird Enterprise:
    "un agente di Supporto Clienti richiamerà", a Customer Support agent, not an engineer):
    its time only where the contract commits to it (an internal target is not read out)."""
    if emergency.source is None or emergency.source.internal:
        return "A Customer Support agent will call you back."
    minutes = round(emergency.callback_within.total_seconds() / 60)
    within = f"{minutes} minutes" if minutes < 120 or minutes % 60 else f"{minutes // 60} hours"
    return f"A Customer Support agent will call you back within {within}."

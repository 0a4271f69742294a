"""Inbound email, as mail-forwarding services post it: our own JSON with a ``mail`` key,
or Mailgun's and Postmark's webhooks, each checked by its own credential. A post whose
credential fails is kept in the quarantine and refused (401); a mail whose sender is no
customer's is kept there too (202); neither is ever threaded by itself."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, model_validator

from api.auth import MailForwarder
from api.deps import ResourcesDep, SessionDep, off_loop
from sla.vocabulary import MailProvider
from store.webhook_tokens import first_use, utc_seconds
from tickets.errors import Unavailable
from tickets.inbound_mail import InboundMail
from tickets.inputs import reject_unstorable_text
from tickets.mail_providers import (
    REPLAYED_TOKEN,
    MailFields,
    MailgunVerifier,
    mailgun_fields,
    postmark_fields,
)
from tickets.mail_quarantine import Quarantined, receive, refuse
from tickets.scrub import MaskedSecretPublic, Scrubber

router = APIRouter(prefix="/inbound", tags=["inbound"])


class InboundEmail(BaseModel):
    model_config = ConfigDict(populate_by_name=True, str_strip_whitespace=True)

    sender: str = Field(validation_alias=AliasChoices("from", "sender"), min_length=3,
                        max_length=500)
    subject: str = Field(default="", max_length=1000)
    message_id: str = Field(validation_alias=AliasChoices("message-id", "message_id"),
                            min_length=3, max_length=1000)
    in_reply_to: str = Field(default="", validation_alias=AliasChoices("in-reply-to",
                                                                      "in_reply_to"),
                             max_length=1000)
    references: str = Field(default="", max_length=10_000)
    text: str = Field(min_length=1, max_length=100_000)

    _storable_text = model_validator(mode="before")(reject_unstorable_text)


class InboundResult(BaseModel):
    masked: list[MaskedSecretPublic] = []
    ticket_id: str
    action: Literal["reply", "new_ticket"]
    detail: str


class QuarantinedResult(BaseModel):
    masked: list[MaskedSecretPublic] = []
    quarantine_id: int
    action: Literal["quarantined"] = "quarantined"
    reason: str
    detail: str


class RefusedMail(BaseModel):
    detail: str
    quarantine_id: int


_ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {"model": QuarantinedResult,
          "description": "quarantined: the sender is no customer's address; an agent assigns "
                         "it to a customer or drops it"}}
_WEBHOOK: dict[int | str, dict[str, Any]] = {
    **_ACCEPTED,
    401: {"model": RefusedMail, "description": "the forwarding service's credential is "
                                               "missing, wrong or stale: the mail is kept "
                                               "in the quarantine, not threaded"},
    422: {"description": "a verified post whose mail fields are missing or too long"}}


async def _answer(resources: ResourcesDep, session: SessionDep, mail: InboundEmail,
                  provider: MailProvider, raw: str) -> Response:
    scrub = Scrubber()
    # In the thread pool: masking up to 100,000 characters must not hold up other requests.
    mail = await off_loop(lambda: mail.model_copy(update={
        "text": scrub("text", mail.text), "subject": scrub("subject", mail.subject)}))
    outcome = await receive(resources, session, InboundMail(
        sender=mail.sender, subject=mail.subject, message_id=mail.message_id,
        in_reply_to=mail.in_reply_to, references=mail.references, text=mail.text),
        provider, raw)
    if isinstance(outcome, Quarantined):
        body: BaseModel = QuarantinedResult(quarantine_id=outcome.quarantine_id,
                                            reason=outcome.reason.value, detail=outcome.detail,
                                            masked=scrub.masked)
        return JSONResponse(body.model_dump(mode="json"), status.HTTP_202_ACCEPTED)
    body = InboundResult(ticket_id=outcome.ticket_id, action=outcome.action,
                         masked=scrub.masked, detail=outcome.detail)
    return JSONResponse(body.model_dump(mode="json"))


def _validated(fields: MailFields) -> InboundEmail:
    """The provider's fields held to the JSON door's bounds: a 422 like it, never a 500."""
    try:
        return InboundEmail.model_validate({
            "from": fields.sender, "subject": fields.subject, "message-id": fields.message_id,
            "in-reply-to": fields.in_reply_to, "references": fields.references,
            "text": fields.text})
    except ValidationError as error:
        raise RequestValidationError(
            [{**problem, "loc": ("body", *problem["loc"])} for problem in error.errors(
                include_url=False, include_context=False)]) from None


async def _raw(body: bytes, limit: int) -> str:
    """The post as the quarantine keeps it: cut to its limit, secrets masked as in the
    mail's own fields (in the thread pool: up to a quarter of a megabyte)."""
    return await off_loop(lambda: Scrubber()("raw", body[:limit].decode("utf-8",
                                                                        errors="replace")))


def _display(fields: MailFields) -> InboundMail:
    """What a refused post says it is, cut to size: shown to agents, never threaded."""
    return InboundMail(sender=fields.sender[:500], subject=fields.subject[:1000],
                       message_id=fields.message_id[:1000], in_reply_to=fields.in_reply_to[:1000],
                       references=fields.references[:10_000], text=fields.text[:100_000])


async def _refused(resources: ResourcesDep, session: SessionDep, provider: MailProvider,
                   raw: str, fields: MailFields, why: str,
                   challenge: str | None = None) -> Response:
    row = await refuse(resources, session, provider, raw, _display(fields))
    assert row.id is not None
    headers = {"WWW-Authenticate": challenge} if challenge else None
    return JSONResponse(RefusedMail(detail=f"{why}: the mail is quarantined, not threaded",
                                    quarantine_id=row.id).model_dump(),
                        status.HTTP_401_UNAUTHORIZED, headers=headers)


@router.post("/email", response_model=InboundResult, responses=_ACCEPTED)
async def inbound_email(
    mail: InboundEmail, request: Request, resources: ResourcesDep, session: SessionDep,
    caller: MailForwarder,
) -> Response:
    """Our own JSON, posted with a ``mail`` key. A reply from the customer's own address
    joins its ticket (matched by In-Reply-To, References or the subject's ``[TCK-…]``);
    from another customer's address, or to a closed ticket, it opens a new ticket, as does
    a mail that names no ticket. A From that is not exactly one customer's address is
    quarantined (202)."""
    raw = await _raw(await request.body(), resources.settings.inbound_quarantine_max_bytes)
    return await _answer(resources, session, mail, MailProvider.JSON, raw)


#: The bodies the providers post, for the API's description (the routes read them raw).
_FORM_BODY = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object"}},
    "application/x-www-form-urlencoded": {"schema": {"type": "object"}}}}}
_JSON_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"type": "object"}}}}}


@router.post("/email/mailgun", response_model=InboundResult, responses=_WEBHOOK,
             openapi_extra=_FORM_BODY)
async def mailgun_email(request: Request, resources: ResourcesDep,
                        session: SessionDep) -> Response:
    """Mailgun's route ``forward()`` to this URL: its form fields, signed with the webhook
    signing key (MAILGUN_WEBHOOK_SIGNING_KEY)."""
    settings = resources.settings
    key = settings.mailgun_webhook_signing_key
    if key is None:
        raise Unavailable("Mailgun is not configured (MAILGUN_WEBHOOK_SIGNING_KEY)")
    raw = await _raw(await request.body(), settings.inbound_quarantine_max_bytes)
    form = {name: value for name, value in (await request.form()).items()
            if isinstance(value, str)}
    fields = mailgun_fields(form)
    now, window = time.time(), settings.mailgun_signature_max_age_seconds
    problem = MailgunVerifier(window).problem(key.get_secret_value(), form, now)
    if problem is None and not await off_loop(lambda: first_use(
            session, MailProvider.MAILGUN, form["token"], utc_seconds(now),
            timedelta(seconds=window))):
        problem = REPLAYED_TOKEN
    if problem is not None:
        return await _refused(resources, session, MailProvider.MAILGUN, raw, fields, problem)
    return await _answer(resources, session, _validated(fields), MailProvider.MAILGUN, raw)


def _basic(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


@router.post("/email/postmark", response_model=InboundResult, responses=_WEBHOOK,
             openapi_extra=_JSON_BODY)
async def postmark_email(request: Request, resources: ResourcesDep,
                         session: SessionDep) -> Response:
    """Postmark's inbound webhook: its JSON, with the HTTP Basic credentials of the
    webhook URL (POSTMARK_INBOUND_USERNAME, POSTMARK_INBOUND_PASSWORD)."""
    settings = resources.settings
    user, password = settings.postmark_inbound_username, settings.postmark_inbound_password
    if not user or password is None:
        raise Unavailable("Postmark is not configured (POSTMARK_INBOUND_USERNAME and "
                          "POSTMARK_INBOUND_PASSWORD)")
    body = await request.body()
    raw = await _raw(body, settings.inbound_quarantine_max_bytes)
    try:
        posted = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        posted = None
    fields = postmark_fields(posted if isinstance(posted, dict) else {})
    given = _basic(request)
    good = given is not None and secrets.compare_digest(
        f"{given[0]}\0{given[1]}".encode(), f"{user}\0{password.get_secret_value()}".encode())
    if not good:
        return await _refused(resources, session, MailProvider.POSTMARK, raw, fields,
                              "missing or wrong Postmark credentials",
                              challenge='Basic realm="inbound mail"')
    if not isinstance(posted, dict):
        raise RequestValidationError([{"loc": ("body",), "type": "json_invalid",
                                       "msg": "the body is not a JSON object"}])
    return await _answer(resources, session, _validated(fields), MailProvider.POSTMARK, raw)

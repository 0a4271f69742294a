"""Inbound email, as mail-forwarding services post it."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from api.auth import Integration
from api.deps import ResourcesDep, SessionDep, off_loop
from tickets.inbound_mail import InboundMail, thread_mail
from tickets.inputs import reject_unstorable_text
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


@router.post("/email", response_model=InboundResult)
async def inbound_email(
    mail: InboundEmail, resources: ResourcesDep, session: SessionDep, caller: Integration
) -> InboundResult:
    """A reply from the customer's own address joins its ticket (matched by In-Reply-To,
    References or the subject's ``[TCK-…]``); from another address, or to a closed ticket, it
    opens a new ticket. A mail that names no ticket opens one for the sender's customer
    (422 when no customer has the address)."""
    scrub = Scrubber()
    # In the thread pool: masking up to 100,000 characters must not hold up other requests.
    mail = await off_loop(lambda: mail.model_copy(update={
        "text": scrub("text", mail.text), "subject": scrub("subject", mail.subject)}))
    threaded = await thread_mail(resources, session, InboundMail(
        sender=mail.sender, subject=mail.subject, message_id=mail.message_id,
        in_reply_to=mail.in_reply_to, references=mail.references, text=mail.text))
    return InboundResult(ticket_id=threaded.ticket_id, action=threaded.action,
                         masked=scrub.masked, detail=threaded.detail)

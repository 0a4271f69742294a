"""Inbound email, as mail-forwarding services post it."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from fastapi import APIRouter, HTTPException, status
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from api.auth import Integration
from api.deps import ResourcesDep, SessionDep, off_loop
from store.models import Customer
from tickets.commands import change_ticket, create_ticket
from tickets.inbound_mail import address_of, clean_subject, customer_by_address, referenced_ticket
from tickets.inputs import TicketCreate, reject_unstorable_text
from tickets.scrub import MaskedSecretPublic, Scrubber
from workflows.messages import CustomerReply

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
    opens a new ticket. A mail that names no ticket opens one for the sender's customer."""
    scrub = Scrubber()
    mail = mail.model_copy(update={"text": scrub("text", mail.text),
                                   "subject": scrub("subject", mail.subject)})
    address = address_of(mail.sender)
    ticket = await off_loop(lambda: referenced_ticket(session, mail.subject, mail.in_reply_to,
                                                      mail.references))
    wait = timedelta(seconds=resources.settings.worker_wait_seconds)
    customer: Customer | None
    if ticket is not None:
        customer_id = ticket.customer_id
        customer = await off_loop(lambda: session.get(Customer, customer_id))
        own_address = customer is not None and (customer.email or "").lower() == address
        if own_address and ticket.status != "closed":
            await change_ticket(resources.temporal, session, ticket.id,
                                CustomerReply(body=mail.text, message_id=mail.message_id), wait)
            return InboundResult(ticket_id=ticket.id, action="reply", masked=scrub.masked,
                                 detail=f"recorded as the customer's reply on {ticket.id}")
        why = (f"a reply from {address}, not the customer's address, to {ticket.id}"
               if not own_address else f"a reply to {ticket.id}, which is closed")
    else:
        customer = await off_loop(lambda: customer_by_address(session, address))
        why = f"a new email from {address}"
    if customer is None or customer.id is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[{
            "loc": ["body", "from"], "type": "value_error",
            "msg": f"no customer has the address {address} and the mail names no ticket"}])
    request = TicketCreate(
        customer_id=customer.id, subject=clean_subject(mail.subject)[:300],
        description=f"{mail.text}\n\n({why})"[:20_000], severity="minor", type="problem",
        channel="email",
    )
    result = await create_ticket(resources.temporal, resources.settings.temporal_task_queue,
                                 resources.policy, customer, request, f"mail:{mail.message_id}",
                                 wait)
    ticket_id = result if isinstance(result, str) else result.ticket_id
    return InboundResult(ticket_id=ticket_id, action="new_ticket", masked=scrub.masked,
                         detail=f"opened a new ticket: {why}")

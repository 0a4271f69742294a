"""Email over SMTP (aiosmtplib). Every message of a ticket threads under the ticket's root id."""

from __future__ import annotations

import re
import unicodedata
from email import errors as email_errors
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib
from pydantic import BaseModel, SecretStr

from channels import PermanentDeliveryError
from sla.addresses import one_address
from sla.ticket.state import Notification


class EmailSettings(BaseModel):
    host: str
    port: int = 587
    starttls: bool = False
    implicit_tls: bool = False
    username: str | None = None
    password: SecretStr | None = None
    sender: str = "support@example.com"
    #: Right-hand side of Message-IDs; replies are matched to tickets by it.
    message_id_domain: str = "sla.example.com"
    timeout_seconds: float = 30


def message_id(idempotency_key: str, domain: str) -> str:
    """The Message-ID a message carries: its idempotency key, so a resend is recognisable."""
    return f"<{re.sub(r'[^A-Za-z0-9.-]', '.', idempotency_key)}@{domain}>"


def header_text(value: str) -> str:
    """A header's text on one line: every character Python reads as a line break (CR, LF,
    U+2028, U+0085 and the rest) and every other control character becomes a space, so a
    customer's subject can never break a message's headers or make it unsendable."""
    return " ".join("".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
                            for c in value).split())


def thread_id(ticket_id: str, domain: str) -> str:
    return f"<{ticket_id}@{domain}>"


class EmailChannel:
    def __init__(self, settings: EmailSettings) -> None:
        self.settings = settings

    def compose(self, message: Notification) -> EmailMessage:
        if not message.recipient.email:
            raise PermanentDeliveryError(f"{message.recipient.name} has no email address")
        try:
            # The last guard: a list or a header in an address stays one refused message,
            # never a second recipient (the envelope takes every address of the To header).
            recipient = one_address(message.recipient.email)
        except ValueError as error:
            raise PermanentDeliveryError(f"{message.recipient.name}: {error}") from None
        settings = self.settings
        email = EmailMessage()
        email["From"] = settings.sender
        email["To"] = recipient
        subject = message.subject
        if f"[{message.ticket_id}]" not in subject:
            subject = f"[{message.ticket_id}] {subject}"
        email["Subject"] = header_text(subject)
        email["Date"] = formatdate(localtime=False)
        email["Message-ID"] = message_id(message.idempotency_key, settings.message_id_domain)
        # Every message of a ticket answers its root, so mail clients and our inbound
        # matching keep them on one thread.
        root = thread_id(message.ticket_id, settings.message_id_domain)
        email["In-Reply-To"] = root
        email["References"] = root
        email["X-Ticket-Id"] = message.ticket_id
        email.set_content(message.body)
        return email

    async def deliver(self, message: Notification) -> str:
        try:
            email = self.compose(message)
            # Serialised here, so a message Python's email library cannot write is known
            # now, for good, rather than retried inside the SMTP client for ever.
            email.as_bytes()
        except (ValueError, TypeError, LookupError, email_errors.MessageError) as error:
            raise PermanentDeliveryError(f"the message cannot be composed: {error}") from None
        settings = self.settings
        try:
            await aiosmtplib.send(
                email,
                hostname=settings.host,
                port=settings.port,
                start_tls=settings.starttls,
                use_tls=settings.implicit_tls,
                username=settings.username,
                password=settings.password.get_secret_value() if settings.password else None,
                timeout=settings.timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as refused:
            reasons = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in refused.recipients)
            if all(500 <= r.code < 600 for r in refused.recipients):
                raise PermanentDeliveryError(f"recipient refused: {reasons}") from None
            raise RuntimeError(f"recipient deferred: {reasons}") from None
        except aiosmtplib.SMTPResponseException as error:
            if 500 <= error.code < 600:
                raise PermanentDeliveryError(f"SMTP {error.code}: {error.message}") from None
            raise
        return str(email["Message-ID"])

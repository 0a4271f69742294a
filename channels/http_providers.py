"""SMS, voice calls (a Twilio-compatible REST API) and a chat webhook, over httpx.

Each request carries the message's idempotency key (``Idempotency-Key``, and Twilio's own
``I-Twilio-Idempotency-Token``), so a resend after a crash is recognised by the provider.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from xml.sax.saxutils import escape

import httpx
from pydantic import BaseModel, SecretStr

from channels import PermanentDeliveryError
from sla.ticket.state import Notification

#: The header that carries the chat webhook's HMAC-SHA256 of the body.
SIGNATURE_HEADER = "X-Signature-256"


def _headers(message: Notification) -> dict[str, str]:
    return {"Idempotency-Key": message.idempotency_key,
            "I-Twilio-Idempotency-Token": message.idempotency_key}


def _check(response: httpx.Response) -> None:
    """4xx (but 408 and 429) is permanent; 5xx and the rest are worth retrying."""
    if response.is_success:
        return
    detail = f"HTTP {response.status_code}: {response.text[:300]}"
    if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
        raise PermanentDeliveryError(detail)
    raise httpx.HTTPStatusError(detail, request=response.request, response=response)


class TwilioSettings(BaseModel):
    account_sid: str
    auth_token: SecretStr
    from_number: str
    base_url: str = "https://api.twilio.com"
    timeout_seconds: float = 30


class _TwilioApi:
    def __init__(self, settings: TwilioSettings, client: httpx.AsyncClient) -> None:
        self.settings = settings
        self.client = client

    async def post(self, resource: str, form: dict[str, str], message: Notification) -> str:
        settings = self.settings
        url = f"{settings.base_url.rstrip('/')}/2010-04-01/Accounts/{settings.account_sid}/{resource}"
        response = await self.client.post(
            url, data=form, headers=_headers(message),
            auth=(settings.account_sid, settings.auth_token.get_secret_value()),
            timeout=settings.timeout_seconds,
        )
        _check(response)
        return str(response.json().get("sid", ""))


class SmsChannel(_TwilioApi):
    async def deliver(self, message: Notification) -> str:
        if not message.recipient.phone:
            raise PermanentDeliveryError(f"{message.recipient.name} has no phone number")
        body = f"{message.subject}\n{message.body}"[:1500]
        return await self.post("Messages.json", {
            "To": message.recipient.phone, "From": self.settings.from_number, "Body": body,
        }, message)


class VoiceChannel(_TwilioApi):
    async def deliver(self, message: Notification) -> str:
        if not message.recipient.phone:
            raise PermanentDeliveryError(f"{message.recipient.name} has no phone number")
        twiml = f"<Response><Say>{escape(message.subject)}. {escape(message.body)}</Say></Response>"
        return await self.post("Calls.json", {
            "To": message.recipient.phone, "From": self.settings.from_number, "Twiml": twiml,
        }, message)


class ChatSettings(BaseModel):
    webhook_url: str
    secret: SecretStr
    timeout_seconds: float = 30


def _cut(escaped: str, limit: int) -> str:
    """At most ``limit`` characters, never ending inside an entity (``&am``)."""
    if len(escaped) <= limit:
        return escaped
    cut = escaped[:limit]
    amp = cut.rfind("&")
    return cut[:amp] if amp != -1 and ";" not in cut[amp:] else cut


def chat_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def mrkdwn_text(text: str) -> str:
    """Text shown as itself in Slack's mrkdwn: ``&``, ``<`` and ``>`` escaped as Slack
    documents, so a customer's ``<!channel>``, ``<@U123>`` or ``<https://evil|click>``
    arrives as those characters, not as a mention or a disguised link. A message's subject
    and body are plain text (customer text among ours, which uses no ``<...>`` markup);
    the formatting the chat gets is the blocks below, added after escaping."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class ChatWebhookChannel:
    """A Slack-compatible JSON post (``text`` plus blocks), signed with HMAC-SHA256."""

    def __init__(self, settings: ChatSettings, client: httpx.AsyncClient) -> None:
        self.settings = settings
        self.client = client

    async def deliver(self, message: Notification) -> str:
        payload = {
            # The top-level text is the notification's, parsed as mrkdwn too; a header is
            # plain_text, never parsed.
            "text": mrkdwn_text(message.subject),
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": message.subject[:150]}},
                {"type": "section", "text": {"type": "mrkdwn",
                                             "text": _cut(mrkdwn_text(message.body), 3000)}},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn_text(
                    f"ticket {message.ticket_id} · {message.kind} · to "
                    f"{message.recipient.name}")}]},
            ],
            "ticket_id": message.ticket_id,
            "kind": message.kind,
            "idempotency_key": message.idempotency_key,
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        secret = self.settings.secret.get_secret_value()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: chat_signature(secret, body),
                   **_headers(message)}
        response = await self.client.post(self.settings.webhook_url, content=body, headers=headers,
                                          timeout=self.settings.timeout_seconds)
        _check(response)
        return message.idempotency_key

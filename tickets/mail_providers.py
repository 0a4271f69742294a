"""What the mail-forwarding services post, and how each proves it is them.

Mailgun signs every post: ``signature`` is the hex HMAC-SHA256 of ``timestamp`` + ``token``
under the webhook signing key (documentation.mailgun.com, "Securing Webhooks"); a stale
timestamp or a token already seen is refused, so a captured post cannot be played again.
Postmark does not sign inbound posts: the credential is the HTTP Basic user and password
put in the webhook URL (postmarkapp.com/developer/webhooks/inbound-webhook).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from email.policy import default as default_policy
from email.utils import getaddresses
from typing import Any


@dataclass(frozen=True)
class MailFields:
    """A posted mail's fields, whoever posted it (nothing masked yet)."""

    sender: str
    subject: str
    message_id: str
    in_reply_to: str
    references: str
    text: str


def sender_address(sender: str) -> str | None:
    """The one address of a From header (lower case), or None when it has none, several,
    or is not a valid address list: ``customer@acme.com <attacker@evil.com>`` has two.

    ``getaddresses`` of this Python has no ``strict`` flag yet, so the strict reading is
    the header parser's: any defect it finds in the list means no sender."""
    found = [address for _name, address in getaddresses([sender])]
    if len(found) != 1 or "@" not in found[0]:
        return None
    header = default_policy.header_factory("From", sender)
    parsed: tuple[Any, ...] = getattr(header, "addresses", ())
    if header.defects or len(parsed) != 1 or parsed[0].addr_spec.lower() != found[0].lower():
        return None
    local, _, domain = found[0].rpartition("@")
    return found[0].lower() if local and "." in domain else None


#: Why a replayed Mailgun post is refused (its token was accepted before, by any process).
REPLAYED_TOKEN = "this Mailgun token was already used: a replayed post"


class MailgunVerifier:
    """Checks Mailgun's signature and its age. That its token is new is the database's to
    say (``store.webhook_tokens.first_use``), so every API process shares one memory."""

    def __init__(self, max_age_seconds: int) -> None:
        self.max_age = max_age_seconds

    def problem(self, key: str, fields: Mapping[str, str], now: float) -> str | None:
        """Why the post is not Mailgun's, or None when it is (its token still to check)."""
        timestamp, token = fields.get("timestamp", ""), fields.get("token", "")
        signature = fields.get("signature", "")
        if not (timestamp and token and signature):
            return "the post has no Mailgun signature (timestamp, token, signature)"
        expected = hmac.new(key.encode(), f"{timestamp}{token}".encode(),
                            hashlib.sha256).hexdigest()
        if not secrets.compare_digest(expected, signature.lower()[:64]):
            return "the Mailgun signature does not match"
        try:
            age = now - int(timestamp)
        except ValueError:
            return "the Mailgun timestamp is not a number"
        if abs(age) > self.max_age:
            return f"the Mailgun signature is {int(age)} s old (at most {self.max_age} s)"
        return None


def mailgun_fields(form: Mapping[str, str]) -> MailFields:
    """Mailgun's forwarded mail (a route's ``forward()``): form fields ``sender``, ``from``,
    ``subject``, ``Message-Id``, ``In-Reply-To``, ``References``, ``body-plain``."""
    return MailFields(
        sender=form.get("from") or form.get("From") or form.get("sender", ""),
        subject=form.get("subject") or form.get("Subject", ""),
        message_id=form.get("Message-Id") or form.get("message-id", ""),
        in_reply_to=form.get("In-Reply-To", ""), references=form.get("References", ""),
        text=form.get("body-plain") or form.get("stripped-text", ""))


def postmark_fields(body: Mapping[str, Any]) -> MailFields:
    """Postmark's inbound JSON: ``From``/``FromFull``, ``Subject``, ``MessageID``,
    ``TextBody`` and ``Headers`` (a list of ``Name``/``Value``, where In-Reply-To,
    References and the original Message-ID are)."""
    listed = body.get("Headers")
    headers = {str(item.get("Name", "")).lower(): str(item.get("Value", ""))
               for item in (listed if isinstance(listed, list) else [])
               if isinstance(item, dict)}
    full = body.get("FromFull") if isinstance(body.get("FromFull"), dict) else {}
    sender = str(body.get("From") or (full or {}).get("Email") or "")
    return MailFields(
        sender=sender, subject=str(body.get("Subject") or ""),
        message_id=headers.get("message-id") or str(body.get("MessageID") or ""),
        in_reply_to=headers.get("in-reply-to", ""), references=headers.get("references", ""),
        text=str(body.get("TextBody") or body.get("StrippedTextReply") or ""))

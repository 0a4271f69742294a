"""The From header read strictly, Mailgun's signature checked, and each provider's payload
mapped to the same fields."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from tickets.mail_providers import (
    MailgunVerifier,
    mailgun_fields,
    postmark_fields,
    sender_address,
)

pytestmark = pytest.mark.pure


@pytest.mark.parametrize(("header", "address"), [
    ("ops@acme.example", "ops@acme.example"),
    ("Ops Team <OPS@Acme.example>", "ops@acme.example"),
    # A display name that looks like an address is only a name.
    ('"customer@acme.example" <attacker@evil.example>', "attacker@evil.example"),
    # The first thing that looks like an address is not the sender: this is two, or none.
    ("customer@acme.example <attacker@evil.example>", None),
    ("customer@acme.example, attacker@evil.example", None),
    ("alice@acme.example)<bob@evil.example>", None),
    ("", None),
    ("no address here", None),
    ("Ana <ana@localhost>", None),
])
def test_the_sender_is_the_one_address_of_the_from_header(header: str,
                                                          address: str | None) -> None:
    assert sender_address(header) == address


def signed(key: str, timestamp: str, token: str) -> dict[str, str]:
    # documentation.mailgun.com, "Securing Webhooks": hex HMAC-SHA256 of timestamp + token.
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(),
                         hashlib.sha256).hexdigest()
    return {"timestamp": timestamp, "token": token, "signature": signature}


def test_mailgun_signatures_good_wrong_and_stale() -> None:
    # A replayed token is the database's to catch: tests/api/test_inbound_mail.py.
    verifier, now = MailgunVerifier(max_age_seconds=300), 1_770_920_772.0
    good = signed("key-secret", "1770920772", "e0b5477167110d68991efc6b9f89f0a11066af27834600e123")
    assert verifier.problem("key-secret", good, now) is None
    fresh = signed("key-secret", "1770920772", "a" * 50)
    assert "does not match" in (verifier.problem("another-key", fresh, now) or "")
    assert "no Mailgun signature" in (verifier.problem("key-secret", {}, now) or "")
    stale = signed("key-secret", "1770920000", "b" * 50)
    assert "old" in (verifier.problem("key-secret", stale, now) or "")


def test_each_providers_payload_maps_to_the_same_fields() -> None:
    # Mailgun's forward() of a parsed message (documentation.mailgun.com, "Receiving
    # Messages via HTTP through a forward() action"): form fields.
    mailgun = mailgun_fields({
        "recipient": "support@sla.example.com", "sender": "bounce@acme.example",
        "from": "Ops <ops@acme.example>", "subject": "Re: [TCK-1] Bounces",
        "Message-Id": "<m1@acme.example>", "In-Reply-To": "<TCK-1.2@sla.example.com>",
        "References": "<TCK-1.1@sla.example.com>", "body-plain": "Logs attached",
        "stripped-text": "Logs"})
    # Postmark's inbound webhook JSON (postmarkapp.com/developer/webhooks/inbound-webhook).
    postmark = postmark_fields({
        "From": "ops@acme.example", "FromName": "Ops",
        "FromFull": {"Email": "ops@acme.example", "Name": "Ops", "MailboxHash": ""},
        "Subject": "Re: [TCK-1] Bounces", "MessageID": "22c74902-a0c1-4511-804f-341342852c90",
        "TextBody": "Logs attached", "Headers": [
            {"Name": "Message-ID", "Value": "<m1@acme.example>"},
            {"Name": "In-Reply-To", "Value": "<TCK-1.2@sla.example.com>"},
            {"Name": "References", "Value": "<TCK-1.1@sla.example.com>"}]})
    assert (mailgun.subject, mailgun.message_id, mailgun.in_reply_to, mailgun.references,
            mailgun.text) == (postmark.subject, postmark.message_id, postmark.in_reply_to,
                              postmark.references, postmark.text)
    assert sender_address(mailgun.sender) == sender_address(postmark.sender) == \
        "ops@acme.example"


def test_a_postmark_body_of_the_wrong_shape_maps_to_empty_fields() -> None:
    odd = postmark_fields({"Headers": 7, "FromFull": "x", "Subject": None})
    assert (odd.sender, odd.subject, odd.in_reply_to) == ("", "", "")

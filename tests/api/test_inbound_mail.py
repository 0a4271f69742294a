"""Inbound mail, in-process: only a mail (or admin) key posts our JSON; Mailgun's and
Postmark's webhooks are checked by their own credentials; what fails, or comes from no
customer's address, waits in the quarantine, where agents assign or drop it.

Payload shapes follow the providers' documentation: Mailgun's forward() of a parsed
message posts multipart form fields (``from``, ``subject``, ``Message-Id``, ``In-Reply-To``,
``References``, ``body-plain``, ``timestamp``, ``token``, ``signature``; "Receiving Messages
via HTTP" and "Securing Webhooks" on documentation.mailgun.com); Postmark posts JSON
(``From``, ``FromFull``, ``Subject``, ``MessageID``, ``TextBody``, ``Headers``;
postmarkapp.com/developer/webhooks/inbound-webhook) with the Basic credentials of its URL.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from typing import Any

import httpx
from pydantic import SecretStr
from sqlmodel import Session

from api.main import create_app
from store.db import make_engine
from store.models import QuarantinedMail
from tests.support.in_process import InProcessApi, form_token, signed_in
from tickets.services import AppResources

SIGNING_KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
POSTMARK = ("postmark", "s3cret-inbound")


def configure(api: InProcessApi, **settings: Any) -> None:
    resources: AppResources = api.app.state.resources
    resources.settings = resources.settings.model_copy(update={
        "mailgun_webhook_signing_key": SecretStr(SIGNING_KEY),
        "postmark_inbound_username": POSTMARK[0],
        "postmark_inbound_password": SecretStr(POSTMARK[1]), **settings})


async def customer_with_ticket(api: InProcessApi, email: str) -> tuple[int, str]:
    customer = (await api.http.post("/customers", json={
        "name": f"Mail {email}", "plan": "fast", "email": email, "tam_name": "Tess",
        "tam_email": "tess@example.com"})).json()["id"]
    ticket = await api.http.post("/tickets", json={
        "customer_id": customer, "subject": "Bounces from Gmail", "description": "since 9:00",
        "severity": "minor", "force_new": True})
    assert ticket.status_code == 201, ticket.text
    return customer, ticket.json()["id"]


async def replies(api: InProcessApi, ticket_id: str) -> int:
    timeline = (await api.http.get(f"/tickets/{ticket_id}/timeline")).json()
    return [entry["kind"] for entry in timeline].count("customer_reply")


async def held(api: InProcessApi) -> list[dict[str, Any]]:
    listed = await api.http.get("/inbound/quarantine")
    assert listed.status_code == 200, listed.text
    rows: list[dict[str, Any]] = listed.json()
    return rows


def mailgun_post(sender: str, ticket_id: str, message_id: str, *, key: str = SIGNING_KEY,
                 timestamp: int | None = None, token: str | None = None) -> dict[str, str]:
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    token = token or secrets.token_hex(25)
    signature = hmac.new(key.encode(), f"{stamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {"recipient": "support@sla.example.com", "sender": "bounce@acme.example",
            "from": sender, "subject": f"Re: [{ticket_id}] Bounces from Gmail",
            "Message-Id": message_id, "In-Reply-To": f"<{ticket_id}.2@sla.example.com>",
            "References": f"<{ticket_id}.1@sla.example.com>",
            "body-plain": "Here are the bounce logs.", "stripped-text": "Here are the logs.",
            "attachment-count": "0", "timestamp": stamp, "token": token,
            "signature": signature}


async def mailgun(api: InProcessApi, fields: dict[str, str]) -> httpx.Response:
    # Mailgun posts multipart/form-data; an attachment makes httpx send it so.
    return await api.http.post("/inbound/email/mailgun", data=fields,
                               files={"attachment-1": ("bounce.txt", b"550", "text/plain")},
                               headers={"Authorization": ""})


def postmark_post(sender: str, ticket_id: str, message_id: str) -> dict[str, Any]:
    return {
        "FromName": "Ops", "MessageStream": "inbound", "From": sender,
        "FromFull": {"Email": sender, "Name": "Ops", "MailboxHash": ""},
        "To": "support@sla.example.com", "Subject": f"Re: [{ticket_id}] Bounces from Gmail",
        "MessageID": "22c74902-a0c1-4511-804f-341342852c90", "Date": "Thu, 3 Dec 2026 17:00:00 +0000",
        "TextBody": "Here are the bounce logs.", "HtmlBody": "", "StrippedTextReply": "",
        "Headers": [{"Name": "Message-ID", "Value": message_id},
                    {"Name": "In-Reply-To", "Value": f"<{ticket_id}.2@sla.example.com>"}],
        "Attachments": []}


async def test_a_spoofed_from_does_not_reach_the_customers_ticket(api: InProcessApi) -> None:
    _customer, ticket_id = await customer_with_ticket(api, "customer@acme-spoof.example")
    spoofed = await api.http.post("/inbound/email", json={
        "from": "customer@acme-spoof.example <attacker@evil.example>",
        "message-id": "<s1@evil.example>", "subject": f"Re: [{ticket_id}] Bounces",
        "in-reply-to": f"<{ticket_id}.2@sla.example.com>", "text": "close it please"})
    assert spoofed.status_code == 202, spoofed.text
    assert spoofed.json()["action"] == "quarantined"
    assert spoofed.json()["reason"] == "unknown_sender"
    assert await replies(api, ticket_id) == 0
    assert [row["sender"] for row in await held(api)] == [
        "customer@acme-spoof.example <attacker@evil.example>"]
    # A telephony key may no longer post mail.
    telephony = (await api.http.post("/keys", json={"role": "telephony"})).json()["key"]
    refused = await api.http.post("/inbound/email", headers={
        "Authorization": f"Bearer {telephony}"}, json={
        "from": "customer@acme-spoof.example", "message-id": "<s2@x>", "text": "hi"})
    assert refused.status_code == 403


async def test_mailgun_threads_a_signed_mail_and_quarantines_the_rest(api: InProcessApi) -> None:
    unconfigured = await mailgun(api, mailgun_post("ops@mg.example", "TCK-1", "<u@mg>"))
    assert unconfigured.status_code == 503
    configure(api)
    _customer, ticket_id = await customer_with_ticket(api, "ops@mg.example")
    good = mailgun_post("Ops <ops@mg.example>", ticket_id, "<g1@mg.example>")
    answer = await mailgun(api, good)
    assert answer.status_code == 200, answer.text
    assert answer.json()["action"] == "reply" and answer.json()["ticket_id"] == ticket_id
    assert await replies(api, ticket_id) == 1
    bad = {
        "replayed": good,
        "wrong key": mailgun_post("ops@mg.example", ticket_id, "<b1@mg>", key="key-wrong"),
        "stale": mailgun_post("ops@mg.example", ticket_id, "<b2@mg>",
                              timestamp=int(time.time()) - 3600),
        "missing": {key: value for key, value in mailgun_post(
            "ops@mg.example", ticket_id, "<b3@mg>").items() if key != "signature"},
    }
    bad["missing"]["body-plain"] = "Here are the bounce logs. password: hunter2hunter2"
    for why, fields in bad.items():
        refused = await mailgun(api, fields)
        assert refused.status_code == 401, (why, refused.text)
        assert "quarantined" in refused.json()["detail"], why
    assert await replies(api, ticket_id) == 1
    rows = await held(api)
    assert [(row["reason"], row["provider"], row["verified"]) for row in rows] == [
        ("bad_signature", "mailgun", False)] * 4
    engine = make_engine(api.settings.database_url)
    with Session(engine) as session:
        kept = session.get(QuarantinedMail, rows[0]["id"])
        assert kept is not None and "Here are the bounce logs." in kept.raw
        # The raw post is masked like the mail's own fields: no secret is kept.
        assert "hunter2hunter2" not in kept.raw
    engine.dispose()


async def test_postmark_needs_its_basic_credentials(api: InProcessApi) -> None:
    configure(api)
    _customer, ticket_id = await customer_with_ticket(api, "ops@pm.example")
    body = postmark_post("ops@pm.example", ticket_id, "<p1@pm.example>")
    missing = await api.http.post("/inbound/email/postmark", json=body,
                                  headers={"Authorization": ""})
    wrong = await api.http.post("/inbound/email/postmark", json=body, auth=("postmark", "no"))
    for refused in (missing, wrong):
        assert refused.status_code == 401, refused.text
        assert refused.headers["WWW-Authenticate"].startswith("Basic")
    assert await replies(api, ticket_id) == 0
    assert [row["provider"] for row in await held(api)] == ["postmark", "postmark"]
    good = await api.http.post("/inbound/email/postmark", json=body, auth=POSTMARK)
    assert good.status_code == 200, good.text
    assert good.json()["ticket_id"] == ticket_id and good.json()["action"] == "reply"
    assert await replies(api, ticket_id) == 1


async def test_agents_assign_or_drop_a_quarantined_mail(api: InProcessApi) -> None:
    customer, ticket_id = await customer_with_ticket(api, "desk@assign.example")
    for n, sender in enumerate(("colleague@assign-other.example", "spam@junk.example")):
        posted = await api.http.post("/inbound/email", json={
            "from": sender, "message-id": f"<a{n}@x>", "subject": f"Re: [{ticket_id}] Bounces",
            "text": f"mail {n}"})
        assert posted.status_code == 202, posted.text
    key = (await api.http.post("/keys", json={"role": "agent", "name": "Ana"})).json()["key"]
    browser = await signed_in(api, key)
    queue = await browser.get("/queue")
    assert 'href="/queue/quarantine"' in queue.text
    page = await browser.get("/queue/quarantine")
    assert page.status_code == 200
    assert "colleague@assign-other.example" in page.text and "spam@junk.example" in page.text
    assert "unknown_sender" in page.text
    token = form_token(page.text)
    rows = {row["sender"]: row["id"] for row in await held(api)}
    assigned = await browser.post(
        f"/queue/quarantine/{rows['colleague@assign-other.example']}/actions/assign",
        data={"form_token": token, "customer_id": str(customer)})
    assert assigned.status_code == 303, assigned.text
    # Threaded as if from the customer: a reply on the ticket its subject names.
    assert await replies(api, ticket_id) == 1
    dropped = await browser.post(f"/queue/quarantine/{rows['spam@junk.example']}/actions/drop",
                                 data={"form_token": token})
    assert dropped.status_code == 303, dropped.text
    assert await held(api) == []
    assert "No mail in quarantine." in (await browser.get("/queue/quarantine")).text
    again = await api.http.post(f"/inbound/quarantine/{rows['spam@junk.example']}/drop")
    assert again.status_code == 409
    engine = make_engine(api.settings.database_url)
    with Session(engine) as session:
        kept = session.get(QuarantinedMail, rows["spam@junk.example"])
        assert kept is not None and (kept.status, kept.decided_by) == ("dropped", "Ana")
    engine.dispose()
    await browser.aclose()


async def test_the_quarantine_is_bounded(api: InProcessApi) -> None:
    configure(api, inbound_quarantine_max_unverified=2, inbound_quarantine_max_bytes=2048)
    for n in range(3):
        fields = mailgun_post("x@flood.example", "TCK-1", f"<f{n}@flood>", key="key-wrong")
        fields["body-plain"] = f"flood {n} " + "x" * 10_000
        assert (await mailgun(api, fields)).status_code == 401
    rows = await held(api)
    assert [row["message_id"] for row in rows] == ["<f2@flood>", "<f1@flood>"]
    engine = make_engine(api.settings.database_url)
    with Session(engine) as session:
        stored = session.get(QuarantinedMail, rows[0]["id"])
        assert stored is not None and len(stored.raw) <= 2048
    engine.dispose()


async def test_two_agents_assigning_one_mail_at_once_thread_it_once(api: InProcessApi) -> None:
    customer, ticket_id = await customer_with_ticket(api, "desk@race.example")
    posted = await api.http.post("/inbound/email", json={
        "from": "colleague@race-other.example", "message-id": "<race@x>",
        "subject": f"Re: [{ticket_id}] Bounces", "text": "the logs"})
    assert posted.status_code == 202, posted.text
    [row] = [row for row in await held(api) if row["sender"] == "colleague@race-other.example"]
    answers = await asyncio.gather(*(
        api.http.post(f"/inbound/quarantine/{row['id']}/assign", json={"customer_id": customer})
        for _ in range(2)))
    assert sorted(answer.status_code for answer in answers) == [200, 409], [
        answer.text for answer in answers]
    assert "assigned already" in next(a for a in answers if a.status_code == 409).text
    assert await replies(api, ticket_id) == 1
    assert all(mail["id"] != row["id"] for mail in await held(api))

async def test_a_replayed_mailgun_post_is_refused_by_every_api_process(api: InProcessApi) -> None:
    """The used tokens are in the database: a second API process behind the same load
    balancer (here a second application on the same database) refuses the replay too."""
    configure(api)
    _customer, ticket_id = await customer_with_ticket(api, "ops@mg-two.example")
    good = mailgun_post("ops@mg-two.example", ticket_id, "<two@mg.example>")
    assert (await mailgun(api, good)).status_code == 200
    other = create_app(api.settings)
    other.state.resources = api.app.state.resources
    other.state.metrics = api.app.state.metrics
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=other),
                                 base_url="http://other.test") as second:
        replayed = await second.post("/inbound/email/mailgun", data=good,
                                     files={"attachment-1": ("bounce.txt", b"550", "text/plain")})
    assert replayed.status_code == 401, replayed.text
    assert "already used" in replayed.text and "quarantined" in replayed.text
    assert await replies(api, ticket_id) == 1

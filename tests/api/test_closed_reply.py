"""What a customer reads when their ticket closes by itself, and what their reply then does,
in-process (the fast policy closes a ticket after 4 s waiting on the customer).

The closed_automatically message says a reply opens a new request, which is what the
inbound mail door does with a reply to a closed ticket: the closed one stays closed."""

from __future__ import annotations

from typing import Any

from tests.support.in_process import InProcessApi
from tests.support.stack import wait_for


async def test_a_reply_to_the_closed_message_opens_the_new_request_it_promises(
    api: InProcessApi,
) -> None:
    customer_id = (await api.http.post("/customers", json={
        "name": "Acme Roma", "plan": "fast", "email": "ops@acme-roma.example", "locale": "it",
        "tam_name": "Tess", "tam_email": "tess@example.com"})).json()["id"]
    opened = await api.http.post("/tickets", json={
        "customer_id": customer_id, "subject": "Rimbalzi da Gmail", "description": "dalle 9",
        "severity": "minor", "force_new": True})
    assert opened.status_code == 201, opened.text
    ticket_id = opened.json()["id"]
    base = f"/tickets/{ticket_id}"
    await api.http.post(f"{base}/responses", json={"author": "ana", "body": "I log?"})
    waiting = await api.http.post(f"{base}/status",
                                  json={"status": "waiting_on_customer", "author": "ana"})
    assert waiting.status_code == 200, waiting.text

    async def closing_message() -> dict[str, Any] | None:
        rows = (await api.http.get(f"{base}/notifications")).json()
        return next((row for row in rows if row["kind"] == "closed_automatically"
                     and row["recipient_role"] == "customer"), None)

    closed = await wait_for(closing_message, timeout=30)
    assert "abbiamo atteso la sua risposta per 4 secondi senza riceverla" in closed["body"]
    assert "la sua risposta apre una nuova richiesta" in closed["body"], closed["body"]
    assert "riaprir" not in closed["body"]  # no promise to reopen it

    reply = await api.http.post("/inbound/email", json={
        "from": "ops@acme-roma.example", "message-id": "<r1@acme-roma.example>",
        "subject": f"Re: [{ticket_id}] {closed['subject']}",
        "in-reply-to": f"<{ticket_id}.2@sla.example.com>", "text": "Ecco i log."})
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    # What the message said: a new request, and the closed one stays closed.
    assert answer["action"] == "new_ticket" and answer["ticket_id"] != ticket_id
    assert f"a reply to {ticket_id}, which is closed" in answer["detail"]
    new = (await api.http.get(f"/tickets/{answer['ticket_id']}")).json()
    assert (new["customer_id"], new["status"]) == (customer_id, "open")
    old = (await api.http.get(base)).json()
    assert old["status"] == "closed"
    timeline = (await api.http.get(f"{base}/timeline")).json()
    assert "customer_reply" not in [event["kind"] for event in timeline]

"""Inbound email threading through the API on the real stack."""

from __future__ import annotations

import pytest

from tests.support.stack import Stack

pytestmark = pytest.mark.e2e


async def customer_with_ticket(stack: Stack, email: str) -> tuple[int, str]:
    customer = (await stack.http.post("/customers", json={
        "name": f"Mail {email}", "plan": "fast", "email": email, "tam_name": "Tess",
        "tam_email": "tess@example.com"})).json()
    ticket = (await stack.http.post("/tickets", json={
        "customer_id": customer["id"], "subject": "Bounces from Gmail",
        "description": "since 9:00", "severity": "minor"})).json()
    return customer["id"], ticket["id"]


def mail(sender: str, message_id: str, **headers: str) -> dict[str, str]:
    return {"from": sender, "subject": headers.pop("subject", "Re: Bounces from Gmail"),
            "message-id": message_id, "text": "Here are the bounce logs.", **headers}


async def kinds(stack: Stack, ticket_id: str) -> list[str]:
    return [e["kind"] for e in (await stack.http.get(f"/tickets/{ticket_id}/timeline")).json()]


async def test_a_reply_threads_onto_its_ticket_once(stack: Stack) -> None:
    _customer, ticket_id = await customer_with_ticket(stack, "ops@threads.example")
    reply = mail("Ops Team <OPS@threads.example>", "<m1@threads.example>",
                 **{"in-reply-to": f"<{ticket_id}.2@sla.example.com>"})
    first = await stack.http.post("/inbound/email", json=reply)
    assert first.status_code == 200, first.text
    assert first.json() == {"ticket_id": ticket_id, "action": "reply", "masked": [],
                            "detail": f"recorded as the customer's reply on {ticket_id}"}
    # The forwarding service delivers the same mail again: one reply.
    await stack.http.post("/inbound/email", json=reply)
    assert (await kinds(stack, ticket_id)).count("customer_reply") == 1


async def test_a_reply_from_another_customers_address_opens_a_ticket_of_its_own(
        stack: Stack) -> None:
    _customer_id, ticket_id = await customer_with_ticket(stack, "ops@strangers.example")
    other_id, _other_ticket = await customer_with_ticket(stack, "desk@neighbour.example")
    neighbour = mail("desk@neighbour.example", "<m2@neighbour.example>",
                     subject=f"Re: [{ticket_id}] Bounces from Gmail")
    answer = (await stack.http.post("/inbound/email", json=neighbour)).json()
    assert answer["action"] == "new_ticket" and answer["ticket_id"] != ticket_id
    assert "desk@neighbour.example" in answer["detail"]
    assert "customer_reply" not in await kinds(stack, ticket_id)
    opened = (await stack.http.get(f"/tickets/{answer['ticket_id']}")).json()
    assert (opened["customer_id"], opened["channel"], opened["subject"]) == (
        other_id, "email", "Bounces from Gmail")


async def test_a_new_mail_opens_a_ticket_and_an_unknown_sender_is_quarantined(
        stack: Stack) -> None:
    customer_id, ticket_id = await customer_with_ticket(stack, "ops@fresh.example")
    fresh = (await stack.http.post("/inbound/email", json=mail(
        "ops@fresh.example", "<m3@fresh.example>", subject="DKIM failing"))).json()
    assert fresh["action"] == "new_ticket"
    assert (await stack.http.get(f"/tickets/{fresh['ticket_id']}")).json()["customer_id"] == \
        customer_id
    for n, sender in enumerate(("nobody@unknown.example", "ops@fresh.example <x@evil.example>")):
        unknown = await stack.http.post("/inbound/email", json=mail(
            sender, f"<m4{n}@unknown.example>", subject=f"Re: [{ticket_id}] Hello"))
        assert unknown.status_code == 202, unknown.text
        assert unknown.json()["action"] == "quarantined"
    assert "customer_reply" not in await kinds(stack, ticket_id)

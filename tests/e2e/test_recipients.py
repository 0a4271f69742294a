"""Who the product mails: a customer's key cannot add anyone, at a real SMTP server."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from stack.temporal import DevServer
from tests.support.servers import smtp_server
from tests.support.stack import running_api, running_worker, stack_settings, ticket_body, wait_for

pytestmark = pytest.mark.e2e

#: What a customer's key might put in ``assignee`` to have the team's mail relayed.
HOSTILE_ASSIGNEES = [
    {"name": "Vera", "email": "v1@evil.example.net"},
    {"name": "Vera", "email": "v1@evil.example.net, v2@evil.example.net"},
    {"name": "Vera", "email": "Duty manager <duty@example.com>, v2@evil.example.net"},
    {"name": "Vera", "email": "duty@example.com\r\nBcc: v3@evil.example.net"},
    {"name": "Duty manager", "email": "duty@example.com"},
    {"name": "Duty manager"},
]


async def test_a_customer_key_cannot_make_the_product_mail_anyone_else(
    dev_server: DevServer, tmp_path: Path
) -> None:
    async with smtp_server() as (mailbox, smtp_port):
        settings = stack_settings(dev_server, tmp_path, smtp_host="127.0.0.1",
                                  smtp_port=smtp_port)
        async with running_worker(settings), running_api(settings) as admin:
            for email in ("a@acme.example.org, b@evil.example.net", "Acme <a@acme.example.org>",
                          "a@acme.example.org\nBcc: b@evil.example.net"):
                refused = await admin.post("/customers", json={
                    "name": "Acme", "plan": "fast", "email": email})
                assert refused.status_code == 422, refused.text
                assert "not one mail address" in refused.text
            customer_id = (await admin.post("/customers", json={
                "name": "Acme", "plan": "fast", "email": "it@acme.example.org",
                "tam_name": "Tess", "tam_email": "tess@example.com"})).json()["id"]
            key = (await admin.post("/keys", json={"role": "customer", "name": "Rita",
                                                   "customer_id": customer_id})).json()["key"]
            async with httpx.AsyncClient(base_url=str(admin.base_url), timeout=30,
                                         headers={"Authorization": f"Bearer {key}"}) as customer:
                for assignee in HOSTILE_ASSIGNEES:
                    refused = await customer.post("/tickets", json=ticket_body(
                        customer_id, severity="critical", assignee=assignee, force_new=True))
                    assert refused.status_code in (403, 422), (assignee, refused.text)
                assert (await customer.get("/tickets")).json() == []
                # Without an assignee the ticket opens; its breach goes to the team.
                ticket = (await customer.post("/tickets", json=ticket_body(
                    customer_id, severity="critical"))).json()["id"]

            # Staff may assign, but only to the staff.
            stranger = await admin.post("/tickets", json=ticket_body(
                customer_id, severity="critical", force_new=True,
                assignee={"name": "Vera", "email": "v1@evil.example.net"}))
            assert stranger.status_code == 422 and "not a staff address" in stranger.text
            unknown = await admin.post("/tickets", json=ticket_body(
                customer_id, severity="critical", force_new=True, assignee={"name": "Vera"}))
            assert unknown.status_code == 422 and "not on the staff" in unknown.text

            async def escalated() -> bool:
                outbox = (await admin.get(f"/tickets/{ticket}/notifications")).json()
                return any(row["kind"] == "escalation" and row["status"] == "sent"
                           for row in outbox)

            await wait_for(escalated, timeout=30)
    # The customer's own address (its receipt), the TAM and the policy's duty manager:
    # nobody a customer's key named.
    assert mailbox.recipients, "no mail reached the SMTP server"
    assert set(mailbox.recipients) <= {"it@acme.example.org", "tess@example.com", "duty@example.com"}
    assert "tess@example.com" in mailbox.recipients
    assert not any("evil.example.net" in str(message) for message in mailbox.received)

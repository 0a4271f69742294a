"""Who receives mail, and what a customer reads, on the real stack with a real SMTP server:
a ticket that breached, escalated and paged, read through every route a customer key may
call (``tests/support/routes.py``), so a route added for customers is checked by default."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from stack.temporal import DevServer
from tests.support.in_process import post_sign_in
from tests.support.routes import ROUTES, Row, fill
from tests.support.servers import SmtpRecorder, smtp_server
from tests.support.stack import running_api, running_worker, stack_settings, wait_for

pytestmark = pytest.mark.e2e

POLICY = Path(__file__).resolve().parent / "recipients-policy.toml"
CUSTOMER_EMAIL = "ops@acme.example"
TAM = {"tam_name": "Tess", "tam_email": "tess@team.example", "tam_phone": "+15550000199"}
#: The team's addresses and numbers (the policy's contacts and the TAM's).
STAFF = ["lead@team.example", "head@team.example", "oncall@team.example", "+15550000101",
         "+15550000102", "+15550000103", TAM["tam_email"], TAM["tam_phone"]]
#: What a customer key tries to make the team's mail go to.
ASSIGNEES = [
    {"name": "Mallory", "email": "mallory@evil.example"},
    {"name": "Mallory", "email": "v1@evil.example, v2@evil.example"},
    {"name": "Mallory", "email": "Mallory <m1@evil.example>, m2@evil.example"},
    {"name": "Mallory", "email": "m3@evil.example\r\nBcc: m4@evil.example"},
    {"name": "Support lead", "email": "lead@team.example"},
]
#: Where the customer reads the ticket: every row a customer key may call whose answer is
#: the ticket or its records (opening a ticket is the assignee test's).
CUSTOMER_READS = [row for row in ROUTES if "customer" in row.roles
                  and (row.method, row.path) != ("POST", "/tickets")]


async def test_a_customer_key_mails_nobody_else_and_reads_none_of_the_teams_traffic(
    dev_server: DevServer, tmp_path: Path
) -> None:
    async with smtp_server() as (mailbox, smtp_port):
        settings = stack_settings(dev_server, tmp_path, sla_policy_file=POLICY,
                                  smtp_host="127.0.0.1", smtp_port=smtp_port)
        # The support lead's mailbox refuses mail: their messages keep a delivery error.
        mailbox.refused.add("lead@team.example")
        async with running_worker(settings), running_api(settings) as admin:
            await breach_escalate_and_page(admin, mailbox)


async def breach_escalate_and_page(admin: httpx.AsyncClient, mailbox: SmtpRecorder) -> None:
    customer_id = (await admin.post("/customers", json={
        "name": "Acme", "plan": "fast", "email": CUSTOMER_EMAIL, "phone": "+390211119999",
        **TAM})).json()["id"]
    key = (await admin.post("/keys", json={"role": "customer", "customer_id": customer_id})
           ).json()["key"]
    customer = {"Authorization": f"Bearer {key}"}
    body = {"customer_id": customer_id, "subject": "Injections fail", "severity": "critical",
            "description": "every injection times out", "force_new": True}
    for assignee in ASSIGNEES:
        refused = await admin.post("/tickets", json=body | {"assignee": assignee},
                                   headers=customer)
        # One address, from a customer key: 403; anything else is no address at all (422).
        single = "," not in assignee["email"] and "\n" not in assignee["email"]
        assert refused.status_code == (403 if single else 422), (assignee, refused.text)
        if single:
            assert "only a staff key" in refused.json()["detail"]
    for assignee in ASSIGNEES[:4]:
        # Not even a staff key makes a stranger, or a list, the assignee.
        refused = await admin.post("/tickets", json=body | {"assignee": assignee})
        assert refused.status_code == 422, (assignee, refused.text)
    unknown = await admin.post("/tickets", json=body | {"assignee": {"name": "Mallory"}})
    assert "a contact of the policy" in unknown.text and "Support lead" in unknown.text

    opened = await admin.post("/tickets", json=body, headers=customer)
    assert opened.status_code == 201, opened.text
    ticket_id = opened.json()["id"]
    call = await admin.post("/emergency-calls", json={
        "company_name": "Acme", "contact_name": "Rita", "contact_phone": "+390211119999",
        "contact_email": CUSTOMER_EMAIL, "description": "still down", "ticket_id": ticket_id})
    assert call.status_code in (200, 201), call.text

    async def team_traffic() -> list[dict[str, Any]] | None:
        rows: list[dict[str, Any]] = (
            await admin.get(f"/tickets/{ticket_id}/notifications")).json()
        kinds = {row["kind"] for row in rows}
        failed = any(row["last_error"] for row in rows)
        done = {"ticket_received", "sla_breach", "escalation", "page"} <= kinds and failed
        return rows if done else None

    staff_rows = await wait_for(team_traffic, timeout=30)
    ticket = (await admin.get(f"/tickets/{ticket_id}")).json()
    assert ticket["escalation_level"] >= 1 and ticket["emergency"]["pages"], ticket

    # Every address mail went to is the customer's own or the team's.
    recipients = {address for envelope in mailbox.envelopes for address in envelope}
    assert CUSTOMER_EMAIL in recipients
    assert recipients <= {CUSTOMER_EMAIL, *STAFF}, recipients
    assert all(len(envelope) == 1 for envelope in mailbox.envelopes)
    assert not any("evil" in str(message) for message in mailbox.received)

    team = [row for row in staff_rows if row["recipient_role"] != "customer"]
    own = [row for row in staff_rows if row["recipient_role"] == "customer"]
    assert team and own
    # The team's own texts: escalations, pages, warnings, and the errors of their delivery.
    secrets = STAFF + [row["body"] for row in team] + [row["last_error"] for row in staff_rows
                                                       if row["last_error"]]
    names = {"ticket_id": ticket_id, "customer_id": customer_id, "action": "reply",
             "customer_email": CUSTOMER_EMAIL}
    checked = 0
    for row in CUSTOMER_READS:
        if row.state != "open":
            # Confirmation, reopening and rating answer with the same customer's view as a
            # reply does (``api.presenters.shown``); this ticket is in none of their states.
            continue
        text = await read_as_customer(admin, row, names, customer)
        problems = [secret for secret in secrets if secret in text
                    or json.dumps(secret)[1:-1] in text or html.escape(secret) in text]
        assert problems == [], (row.path, problems)
        for word in ("escalation_level", "escalation level", "page_level", "paging, level",
                     "last_error", "escalated_to", "failing_step", "held_notices"):
            assert word not in text, (row.path, word)
        if "{ticket_id}" in row.path and row.method == "GET" and row.path != "/tickets/{ticket_id}":
            # The customer's own messages are there.
            assert "ticket_received" in text, (row.path, text[:500])
        checked += 1
    assert checked >= 7
    visibility = await admin.get("/tickets", params={"source": "temporal"}, headers=customer)
    assert visibility.status_code == 200
    assert all(row["escalation_level"] is None for row in visibility.json())


async def read_as_customer(http: httpx.AsyncClient, row: Row, names: dict[str, Any],
                           customer: dict[str, str]) -> str:
    """The answer's text, as the customer's key (a page: read with the key; a form: posted
    from a signed-in session, then the page it leads to)."""
    url = fill(row.path, names)
    if row.kind != "form":
        response = await http.request(row.method, url, json=fill(row.body, names),
                                      headers=customer)
        assert response.status_code in (200, 201), (row.path, response.text)
        return response.text
    async with httpx.AsyncClient(base_url=str(http.base_url)) as browser:
        signed = await post_sign_in(browser, customer["Authorization"].removeprefix("Bearer "))
        assert signed.status_code == 303, signed.text
        page = await browser.get(fill("/my/tickets/{ticket_id}", names))
        token = page.text.split('name="form_token" value="', 1)[1].split('"', 1)[0]
        posted = await browser.post(url, data={**fill(row.body or {}, names),
                                               "form_token": token})
        assert posted.status_code in (200, 303), (row.path, posted.text)
        if posted.status_code == 303 and posted.headers["Location"] != "/sign-in":
            return posted.text + (await browser.get(posted.headers["Location"])).text
        return posted.text


async def test_an_agent_assigned_by_their_key_receives_the_tickets_warnings(
    dev_server: DevServer, tmp_path: Path
) -> None:
    async with smtp_server() as (mailbox, smtp_port):
        settings = stack_settings(dev_server, tmp_path, sla_policy_file=POLICY,
                                  smtp_host="127.0.0.1", smtp_port=smtp_port)
        async with running_worker(settings), running_api(settings) as admin:
            # A staff key carries one address; a list, or an address on a customer's key, not.
            for refused in ({"role": "agent", "name": "Eve", "email": "a@x.example, b@y.example"},
                            {"role": "telephony", "name": "Line", "email": "line@team.example"}):
                answer = await admin.post("/keys", json=refused)
                assert answer.status_code == 422, answer.text
            made = await admin.post("/keys", json={"role": "agent", "name": "Ana",
                                                   "email": "Ana@Team.example"})
            assert made.status_code == 201 and made.json()["email"] == "Ana@team.example"
            customer_id = (await admin.post("/customers", json={
                "name": "Acme", "plan": "fast", "email": CUSTOMER_EMAIL, **TAM})).json()["id"]
            opened = await admin.post("/tickets", json={
                "customer_id": customer_id, "subject": "Injections fail", "severity": "critical",
                "description": "all down", "assignee": {"name": "ana"}})
            assert opened.status_code == 201, opened.text
            assignee = opened.json()["assignee"]
            assert (assignee["name"], assignee["email"]) == ("Ana", "Ana@team.example")

            async def warned() -> bool:
                return any(envelope == ["Ana@team.example"] for envelope in mailbox.envelopes)

            await wait_for(warned, timeout=30)
            to_ana = [message for message, envelope in zip(mailbox.received, mailbox.envelopes,
                                                           strict=True)
                      if envelope == ["Ana@team.example"]]
            assert any("due soon" in str(message["Subject"]) and "Injections fail" in str(message)
                       for message in to_ana), [str(message["Subject"]) for message in to_ana]

"""Only Bird Enterprise has an emergency line: under a policy without ``[emergency]``
(Keybe, 360dialog) both doors to it, the representative's form and the telephony webhook,
answer that this support has none, before reading the form, and nothing happens: no
ticket, no callback promised, no mail at the SMTP recorder."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from stack.temporal import DevServer
from tests.support.servers import smtp_server
from tests.support.stack import running_api, running_worker, stack_settings, wait_for

pytestmark = pytest.mark.e2e

POLICIES = Path(__file__).resolve().parents[2] / "policies"
TOKEN = "test-auth-token"
PUBLIC = "https://support.example.com"
NO_LINE = "this support has no emergency line"


@pytest.mark.parametrize(("policy", "plan"), [("keybe", "premium"), ("360dialog", "premium")])
async def test_without_a_line_both_doors_say_so_and_nothing_is_opened_or_mailed(
    dev_server: DevServer, tmp_path: Path, policy: str, plan: str,
) -> None:
    async with smtp_server() as (mailbox, smtp_port):
        settings = stack_settings(dev_server, tmp_path, sla_policy_file=POLICIES / f"{policy}.toml",
                                  smtp_host="127.0.0.1", smtp_port=smtp_port,
                                  twilio_auth_token=TOKEN, public_base_url=PUBLIC)
        async with running_worker(settings), running_api(settings) as http:
            customer_id = (await http.post("/customers", json={
                "name": "Acme", "plan": plan, "email": "ops@acme.example",
                "phone": "+390211112222"})).json()["id"]
            form = {"company_name": "Acme", "contact_name": "Rita",
                    "contact_phone": "+390211112222", "contact_email": "ops@acme.example",
                    "description": "all sends fail"}
            # The whole form, and one missing a field: the line's absence comes first.
            for body in (form, {key: value for key, value in form.items()
                                if key != "contact_phone"}):
                answered = await http.post("/emergency-calls", json=body)
                assert answered.status_code == 404, answered.text
                assert NO_LINE in answered.json()["detail"]
            call = {"CallSid": "CA-no-line", "From": "+390211112222", "To": "+3120000000"}
            signature = RequestValidator(TOKEN).compute_signature(
                f"{PUBLIC}/telephony/voice", call)
            for sent in (call, {"To": "+3120000000"}):
                webhook = await http.post("/telephony/voice", data=sent,
                                          headers={"X-Twilio-Signature": signature})
                assert webhook.status_code == 404, webhook.text
                assert NO_LINE in webhook.json()["detail"]
            assert (await http.get("/tickets")).json() == []
            # The recorder hears a ticket opened the ordinary way, and nothing before it.
            opened = await http.post("/tickets", json={
                "customer_id": customer_id, "subject": "Where is the DKIM setting?",
                "description": "how?", "severity": "minor", "type": "information"})
            assert opened.status_code == 201, opened.text

            async def mailed() -> bool:
                return bool(mailbox.received)

            await wait_for(mailed)
            await asyncio.sleep(0.5)
            subjects = [str(message["Subject"]) for message in mailbox.received]
            assert len(subjects) == 1 and opened.json()["id"] in subjects[0], subjects
            schema = (await http.get("/openapi.json")).json()
            for path in ("/emergency-calls", "/telephony/voice"):
                declared = schema["paths"][path]["post"]["responses"]["404"]["description"]
                assert NO_LINE in declared

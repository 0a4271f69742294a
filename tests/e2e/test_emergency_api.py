"""The emergency line through the API on the real stack (Bird Enterprise policy)."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ElementTree
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from twilio.request_validator import RequestValidator

from stack.temporal import DevServer
from tests.support.stack import Stack, running_api, running_worker, stack_settings

pytestmark = pytest.mark.e2e

POLICY = Path(__file__).resolve().parents[2] / "policies" / "bird-email-enterprise.toml"
TOKEN = "test-auth-token"
PUBLIC = "https://support.example.com"


@pytest_asyncio.fixture(scope="module")
async def line(
    dev_server: DevServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    settings = stack_settings(dev_server, tmp_path_factory.mktemp("line"),
                              sla_policy_file=POLICY, twilio_auth_token=TOKEN,
                              public_base_url=PUBLIC)
    async with running_worker(settings), running_api(settings) as http:
        yield Stack(http, settings)


async def customer(line: Stack, phone: str) -> int:
    response = await line.http.post("/customers", json={
        "name": f"Acme {phone}", "plan": "enterprise", "phone": phone,
        "email": f"ops{phone[-4:]}@acme.example", "tam_name": "Tess",
        "tam_email": "tess@example.com", "tam_phone": "+390200000099"})
    assert response.status_code == 201, response.text
    customer_id: int = response.json()["id"]
    return customer_id


def intake(phone: str, **changes: Any) -> dict[str, Any]:
    body = {"company_name": "Acme", "contact_name": "Rita", "contact_phone": phone,
            "contact_email": "rita@acme.example", "description": "all injections time out"}
    body.update(changes)
    return body


async def signed_call(http: httpx.AsyncClient, form: dict[str, str],
                      signature: str | None = None) -> httpx.Response:
    if signature is None:
        signature = RequestValidator(TOKEN).compute_signature(f"{PUBLIC}/telephony/voice", form)
    return await http.post("/telephony/voice", data=form,
                           headers={"X-Twilio-Signature": signature})


async def test_intake_opens_a_critical_ticket_and_a_retry_is_recorded_once(line: Stack) -> None:
    await customer(line, "+390211110001")
    taken_at = datetime.now(UTC).isoformat()
    first = await line.http.post("/emergency-calls",
                                 json=intake("+39 02 1111 0001", taken_at=taken_at))
    assert first.status_code == 201, first.text
    accepted = first.json()
    assert accepted["ticket_created"] is True and accepted["unknown_caller"] is False
    assert accepted["callback_due_at"] is not None
    again = await line.http.post("/emergency-calls",
                                 json=intake("+39 02 1111 0001", taken_at=taken_at))
    assert again.json()["ticket_id"] == accepted["ticket_id"]
    assert again.json()["ticket_created"] is False
    ticket = (await line.http.get(f"/tickets/{accepted['ticket_id']}")).json()
    assert ticket["severity"] == "critical" and ticket["channel"] == "phone"
    assert len(ticket["emergency"]["calls"]) == 1


async def test_an_intake_without_a_contact_phone_names_the_field(line: Stack) -> None:
    body = intake("+390200000000")
    del body["contact_phone"]
    response = await line.http.post("/emergency-calls", json=body)
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", "contact_phone"]]


async def test_a_signed_webhook_gets_twiml_with_the_ticket_reference(line: Stack) -> None:
    await customer(line, "+390211110002")
    form = {"CallSid": "CA0000000000000000000000000000002", "From": "+390211110002",
            "To": "+3120000000", "CallStatus": "ringing"}
    response = await signed_call(line.http, form)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    said = " ".join(node.text or "" for node in ElementTree.fromstring(response.text).iter("Say"))
    assert "A Customer Support agent will call you back within 15 minutes" in said
    listed = (await line.http.get("/tickets", params={"status": "open"})).json()
    ticket_id = next(row["id"] for row in listed if row["subject"].endswith("Acme +390211110002"))
    assert " ".join(ticket_id) .replace("-", "dash") in said
    # Twilio retries a webhook it did not hear back from: the same CallSid is one call.
    await signed_call(line.http, form)
    ticket = (await line.http.get(f"/tickets/{ticket_id}")).json()
    assert len(ticket["emergency"]["calls"]) == 1


async def test_a_forged_webhook_is_refused_and_changes_nothing(line: Stack) -> None:
    before = len((await line.http.get("/tickets")).json())
    form = {"CallSid": "CA-forged", "From": "+390211110003", "To": "+3120000000"}
    forged = await signed_call(line.http, form, signature="bm90IGEgc2lnbmF0dXJl")
    assert forged.status_code == 403
    unsigned = await line.http.post("/telephony/voice", data=form)
    assert unsigned.status_code == 403
    assert len((await line.http.get("/tickets")).json()) == before


async def test_an_unknown_caller_is_told_how_to_reach_support_and_on_call_is_paged(
    line: Stack,
) -> None:
    form = {"CallSid": "CA-unknown-1", "From": "+15550001234", "To": "+3120000000"}
    response = await signed_call(line.http, form)
    assert response.status_code == 200
    assert "could not match your number" in response.text
    # Paged to the team; the caller is promised no callback and no time.
    assert "call you back" not in response.text and "minutes" not in response.text
    listed = (await line.http.get("/tickets")).json()
    ticket_id = next(row["id"] for row in listed if row["subject"] ==
                     "Emergency call from an unknown number +15550001234")

    async def paged() -> list[dict[str, Any]]:
        rows = (await line.http.get(f"/tickets/{ticket_id}/notifications")).json()
        # No SMS provider in this stack: the page is logged, and says so.
        return [row for row in rows if row["kind"] == "page" and row["status"] == "logged"]

    for _ in range(200):
        if pages := await paged():
            break
        await asyncio.sleep(0.05)
    assert [page["recipient_role"] for page in pages] == ["duty_engineer"]


async def test_callback_acknowledgement_and_interval_through_the_api(line: Stack) -> None:
    await customer(line, "+390211110004")
    ticket_id = (await line.http.post("/emergency-calls", json=intake("+390211110004"))
                 ).json()["ticket_id"]
    base = f"/tickets/{ticket_id}"
    not_paged = await line.http.post(f"{base}/escalations/1/ack", json={"by": "dan"})
    assert not_paged.status_code == 409 and "nobody has been paged" in not_paged.text
    made = await line.http.post(f"{base}/callbacks", json={"agent": "ana", "outcome": "reached"})
    assert made.status_code == 200
    assert made.json()["emergency"]["callback_outcome"] == "reached"
    twice = await line.http.post(f"{base}/callbacks", json={"agent": "ana", "outcome": "reached"})
    assert twice.status_code == 409
    bad = await line.http.post(f"{base}/update-interval", json={"interval": "soon", "author": "a"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "interval"]
    agreed = await line.http.post(f"{base}/update-interval",
                                  json={"interval": "30m", "author": "ana"})
    assert agreed.json()["update_interval_seconds"] == 1800
    update = next(c for c in agreed.json()["clocks"] if c["name"] == "next_update")
    assert update["target_seconds"] == 1800 and update["state"] == "running"


async def test_the_emergency_number_opens_a_critical_ticket_beside_a_minor_one(
    line: Stack,
) -> None:
    customer_id = await customer(line, "+390211110005")
    minor = (await line.http.post("/tickets", json={
        "customer_id": customer_id, "subject": "Question about DKIM", "description": "how?",
        "severity": "minor"})).json()["id"]
    form = {"CallSid": "CA-beside-minor", "From": "+390211110005", "To": "+3120000000"}
    assert (await signed_call(line.http, form)).status_code == 200
    tickets = (await line.http.get("/tickets", params={"customer_id": customer_id})).json()
    critical = [row["id"] for row in tickets if row["severity"] == "critical"]
    assert len(critical) == 1 and critical[0] != minor
    # The representative's form, naming nothing, goes to the latest open ticket: the critical one.
    routed = await line.http.post("/emergency-calls", json=intake("+390211110005"))
    assert routed.json()["ticket_id"] == critical[0]


async def test_the_same_words_ten_minutes_later_are_a_second_call(line: Stack) -> None:
    await customer(line, "+390211110006")
    earlier = datetime.now(UTC) - timedelta(minutes=15)
    first = await line.http.post("/emergency-calls", json=intake(
        "+390211110006", taken_at=earlier.isoformat()))
    later = intake("+390211110006", taken_at=(earlier + timedelta(minutes=10)).isoformat())
    second = await line.http.post("/emergency-calls", json=later)
    assert second.status_code == 201, second.text
    assert second.json()["call_id"] != first.json()["call_id"]
    assert second.json()["ticket_id"] == first.json()["ticket_id"]
    # The later call's form posted again is still the later call.
    assert (await line.http.post("/emergency-calls", json=later)).status_code == 201
    ticket = (await line.http.get(f"/tickets/{first.json()['ticket_id']}")).json()
    assert len(ticket["emergency"]["calls"]) == 2


async def test_an_unknown_number_opens_one_ticket_and_its_later_calls_join_it(
    line: Stack,
) -> None:
    number = "+15550002222"
    opened = await line.http.post("/emergency-calls", json=intake(
        number, company_name="Nobody Ltd", contact_email="x@nobody.example"))
    assert opened.status_code == 201, opened.text
    assert opened.json()["ticket_created"] is True and opened.json()["unknown_caller"] is True
    ticket_id = opened.json()["ticket_id"]
    again = await line.http.post("/emergency-calls", json=intake(
        "+1 555 000 2222", company_name="Other Name", contact_email="y@nobody.example",
        description="still down"))
    assert again.status_code == 201, again.text
    assert again.json()["ticket_id"] == ticket_id and again.json()["ticket_created"] is False
    for sid in ("CA-unknown-2a", "CA-unknown-2b", "CA-unknown-2b"):
        form = {"CallSid": sid, "From": number, "To": "+3120000000"}
        answered = await signed_call(line.http, form)
        assert answered.status_code == 200 and "could not match your number" in answered.text
    ticket = (await line.http.get(f"/tickets/{ticket_id}")).json()
    # Four calls (the retried CallSid once), and on-call paged once, for the first.
    assert len(ticket["emergency"]["calls"]) == 4
    assert len(ticket["emergency"]["pages"]) == 1
    listed = (await line.http.get("/tickets", params={"status": "open"})).json()
    assert [row["id"] for row in listed if number in row["subject"]] == [ticket_id]


async def test_a_webhook_from_an_unknown_number_opens_the_ticket_later_posts_join(
    line: Stack,
) -> None:
    number = "+15550003333"
    form = {"CallSid": "CA-unknown-3a", "From": number, "To": "+3120000000"}
    assert (await signed_call(line.http, form)).status_code == 200
    posted = await line.http.post("/emergency-calls", json=intake(number))
    assert posted.status_code == 201, posted.text
    assert posted.json()["ticket_created"] is False
    second = {"CallSid": "CA-unknown-3b", "From": number, "To": "+3120000000"}
    assert (await signed_call(line.http, second)).status_code == 200
    ticket = (await line.http.get(f"/tickets/{posted.json()['ticket_id']}")).json()
    assert len(ticket["emergency"]["calls"]) == 3
    listed = (await line.http.get("/tickets")).json()
    assert len([row for row in listed if number in row["subject"]]) == 1

"""Commitments and internal targets through the API: an internal target warns and
escalates inside the team, but a customer key never sees it, the customer is never told it,
and the reports count it apart from the customer's SLA attainment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from stack.temporal import DevServer
from store.db import make_engine
from store.models import OutboxMessage
from tests.support.stack import (
    Stack,
    customer,
    running_api,
    stack_settings,
    ticket_body,
    wait_for,
)

pytestmark = pytest.mark.e2e


async def test_an_internal_target_escalates_but_is_neither_shown_nor_promised_nor_counted(
    stack: Stack,
) -> None:
    started = datetime.now(UTC) - timedelta(seconds=1)
    customer_id = await customer(stack, name="Commitments", plan="ola",
                                 email="buyer@commitments.example")
    key = (await stack.http.post("/keys", json={
        "role": "customer", "name": "buyer", "customer_id": customer_id})).json()["key"]
    opened = (await stack.http.post("/tickets", json=ticket_body(customer_id))).json()
    ticket_id = opened["id"]
    kinds = {clock["name"]: clock["kind"] for clock in opened["clocks"]}
    assert kinds == {"first_response": "internal target", "resolution": "commitment"}

    async def escalated() -> dict[str, Any] | None:
        view = (await stack.http.get(f"/tickets/{ticket_id}")).json()
        return view if view["escalation_level"] >= 1 else None

    staff_view = await wait_for(escalated)
    clocks = {clock["name"]: clock for clock in staff_view["clocks"]}
    assert clocks["first_response"]["state"] == "breached"  # the team was told, and escalated
    assert staff_view["breached"]

    async with httpx.AsyncClient(base_url=str(stack.http.base_url),
                                 headers={"Authorization": f"Bearer {key}"}) as as_customer:
        seen = (await as_customer.get(f"/tickets/{ticket_id}")).json()
        listed = (await as_customer.get("/tickets")).json()
        their_timeline = (await as_customer.get(f"/tickets/{ticket_id}/timeline")).json()
        their_messages = (await as_customer.get(f"/tickets/{ticket_id}/notifications")).json()
    staff_timeline = (await stack.http.get(f"/tickets/{ticket_id}/timeline")).json()
    assert any(event["kind"] == "escalated" for event in staff_timeline)
    # The team's warning, breach and escalation of an internal target are not the customer's.
    assert not any(event["kind"] in ("sla_warning", "sla_breach", "escalated")
                   for event in their_timeline)
    assert {message["recipient_role"] for message in their_messages} == {"customer"}
    row = next(item for item in listed if item["id"] == ticket_id)
    assert row["first_response_due"] is None and row["first_response_state"] is None
    assert row["resolution_due"] is not None and row["breached"] is False
    # The customer reads only what the contract commits to: no breach of theirs happened.
    assert [clock["name"] for clock in seen["clocks"]] == ["resolution"]
    assert seen["breached"] is False
    # Nor the team's escalation: the customer's view has no room for it.
    assert "escalated_to" not in seen and "escalation_level" not in seen
    assert "escalation_level" not in row

    with Session(make_engine(stack.settings.database_url)) as session:
        to_customer = session.exec(select(OutboxMessage).where(
            OutboxMessage.ticket_id == ticket_id,
            OutboxMessage.recipient_role == "customer")).all()
    receipt = next(message for message in to_customer if message.kind == "ticket_received")
    # The customer is told the committed resolution time, and no time for an answer.
    assert "We aim to resolve it by" in receipt.body
    assert "answer" not in receipt.body

    async def reported() -> dict[str, Any] | None:
        report = (await stack.http.get("/reports/sla", params={
            "from": started.isoformat(),
            "to": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
            "group_by": "customer"})).json()
        group = next((g for g in report["groups"]
                      if g["key"] == f"Commitments (#{customer_id})"), None)
        return group if group and group["internal_targets"]["first_response"]["missed"] else None

    group = await wait_for(reported)
    assert group["first_response"]["breached"] == 0
    assert group["first_response"]["attainment"] is None  # no committed first response
    assert group["internal_targets"]["first_response"] == {
        "met": 0, "missed": 1, "attainment": 0.0}
    csv_text = (await stack.http.get("/reports/sla", params={
        "from": started.isoformat(), "to": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        "group_by": "customer", "format": "csv"})).text
    header, *rows = [line.split(",") for line in csv_text.strip().splitlines()]
    row = dict(zip(header, next(r for r in rows if r[0].startswith("Commitments")), strict=True))
    assert row["first_response_breached"] == "0"
    assert row["internal_first_response_missed"] == "1"


async def test_a_service_the_contract_does_not_include_is_refused_with_its_words(
    stack: Stack,
) -> None:
    customer_id = await customer(stack, name="Not included")
    refused = await stack.http.post("/tickets", json=ticket_body(
        customer_id, subject="Plan our deliverability strategy",
        service="deliverability_strategy"))
    assert refused.status_code == 422
    detail = refused.json()["detail"][0]
    assert detail["loc"] == ["body", "service"]
    assert detail["msg"] == ("not included: Deliverability strategy services are not "
                             "included.")
    unknown = await stack.http.post("/tickets", json=ticket_body(customer_id, service="golf"))
    assert unknown.status_code == 422
    assert "deliverability_strategy" in unknown.json()["detail"][0]["msg"]
    listed = (await stack.http.get("/tickets", params={"customer_id": customer_id})).json()
    assert listed == []  # no ticket, so no clocks


POLICIES = Path(__file__).resolve().parents[2] / "policies"
#: "Tingkat penempatan kotak masuk tidak dapat dijamin oleh Bird ..." (bird-email-premium.id.txt).
INBOX_PLACEMENT = ("Tingkat penempatan kotak masuk tidak dapat dijamin oleh Bird mengingat "
                   "banyaknya kondisi, praktik, dan masalah reputasi di luar kendali kami.")


async def test_bird_premium_answers_an_inbox_placement_guarantee_with_the_documents_words(
    dev_server: DevServer, tmp_path: Path,
) -> None:
    settings = stack_settings(dev_server, tmp_path,
                              sla_policy_file=POLICIES / "bird-email-premium.toml")
    async with running_api(settings) as http:
        customer_id = (await http.post("/customers", json={
            "name": "Toko Surel", "plan": "premium", "locale": "id"})).json()["id"]
        refused = await http.post("/tickets", json=ticket_body(
            customer_id, subject="Jamin 99% masuk inbox", service="inbox_placement_guarantee"))
        assert refused.status_code == 422, refused.text
        detail = refused.json()["detail"][0]
        assert detail["loc"] == ["body", "service"]
        assert INBOX_PLACEMENT in detail["msg"]
        # What the migration guidance excludes is refused in the document's words too.
        for service in ("template_creation", "translation", "internal_project_management"):
            answer = await http.post("/tickets", json=ticket_body(customer_id, service=service))
            assert answer.status_code == 422, (service, answer.text)
            assert "tidak termasuk pembuatan template Pelanggan atau terjemahan atau " \
                   "manajemen proyek internal Pelanggan" in answer.json()["detail"][0]["msg"]
        assert (await http.get("/tickets", params={"customer_id": customer_id})).json() == []

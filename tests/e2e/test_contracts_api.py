"""Contracts and slots through the API, on the real stack: slots taken until spent, a
request that waits and is covered when a slot is added or by hand, a grant that expires
mid-ticket, the recommendations-only tier, and contracts that are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sla.policy.entitlements import add_months
from tests.support.stack import Stack, customer, ticket_body, wait_for

pytestmark = pytest.mark.e2e


async def contract(stack: Stack, customer_id: int, **fields: Any) -> dict[str, Any]:
    body = {"kind": "slots", "tier": "slotted", "months": 1, "slots": 1,
            "starts_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(), **fields}
    response = await stack.http.post(f"/customers/{customer_id}/contracts", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def open_ticket(stack: Stack, customer_id: int, subject: str) -> dict[str, Any]:
    response = await stack.http.post("/tickets", json=ticket_body(
        customer_id, subject=subject, description=f"{subject}: details", force_new=True))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def running(ticket: dict[str, Any]) -> set[str]:
    return {clock["name"] for clock in ticket["clocks"] if clock["state"] == "running"}


async def usage(stack: Stack, customer_id: int) -> list[dict[str, Any]]:
    contracts = (await stack.http.get(f"/customers/{customer_id}/contracts")).json()
    return [period for item in contracts for period in item["usage"]]


async def test_slots_are_taken_until_spent_then_requests_wait_for_one(stack: Stack) -> None:
    customer_id = await customer(stack, name="Slots Co", plan="slotted",
                                 email="rita@slots.example")
    pack = await contract(stack, customer_id)
    assert pack["covered"] == [] and pack["contract"]["slot_price"] == "20 USD"
    covered = await open_ticket(stack, customer_id, "Sync of deals stopped")
    assert covered["coverage"]["covered"] is True
    assert covered["coverage"]["contract_id"] == pack["contract"]["id"]
    assert running(covered) == {"first_response", "resolution"}
    waiting = await open_ticket(stack, customer_id, "Webhook returns 500")
    assert waiting["plan"] == "slotted" and waiting["coverage"]["covered"] is False
    assert running(waiting) == set()
    refused = await stack.http.post(f"/tickets/{waiting['id']}/responses",
                                    json={"author": "ana", "body": "looking"})
    assert refused.status_code == 409 and "not covered" in refused.json()["detail"]
    outbox = (await stack.http.get(f"/tickets/{waiting['id']}/notifications")).json()
    told = next(m for m in outbox if m["kind"] == "not_covered")
    assert "https://shop.example.com/slots" in told["body"]
    period = (await usage(stack, customer_id))[0]
    assert (period["included"], period["used"], period["reserved"], period["available"]) == \
        (1, 0, 1, 0)
    # The agent starts work: the slot is spent.
    await stack.http.post(f"/tickets/{covered['id']}/responses",
                          json={"author": "ana", "body": "on it"})

    async def spent() -> bool:
        period = (await usage(stack, customer_id))[0]
        return (period["used"], period["reserved"]) == (1, 0)

    await wait_for(spent)
    # A new slot covers the waiting request at once; its clocks start now.
    more = await contract(stack, customer_id, note="one more slot")
    assert more["covered"] == [waiting["id"]]
    now_covered = (await stack.http.get(f"/tickets/{waiting['id']}")).json()
    assert now_covered["coverage"]["contract_id"] == more["contract"]["id"]
    assert running(now_covered) == {"first_response", "resolution"}
    shown = (await stack.http.get(f"/customers/{customer_id}")).json()
    assert [c["note"] for c in shown["contracts"]] == ["", "one more slot"]


async def test_an_agent_covers_a_waiting_request_by_hand(stack: Stack) -> None:
    customer_id = await customer(stack, name="Goodwill Co", plan="slotted")
    waiting = await open_ticket(stack, customer_id, "Import fails")
    assert waiting["coverage"]["covered"] is False
    url = f"/tickets/{waiting['id']}/coverage"
    covered = await stack.http.post(url, json={"by": "ana", "reason": "goodwill"})
    assert covered.status_code == 200, covered.text
    assert covered.json()["coverage"] | {"at": None} == {
        "covered": True, "contract_id": None, "label": "covered by ana: goodwill", "at": None,
        "by": "ana"}
    assert running(covered.json()) == {"first_response", "resolution"}
    again = await stack.http.post(url, json={"by": "ana"})
    assert again.status_code == 409 and "already covered" in again.json()["detail"]
    free = await open_ticket(stack, await customer(stack, name="Free Co"), "Question")
    needless = await stack.http.post(f"/tickets/{free['id']}/coverage", json={"by": "ana"})
    assert needless.status_code == 409 and "need no slot" in needless.json()["detail"]


async def test_a_slot_comes_back_when_the_ticket_closes_before_work(stack: Stack) -> None:
    customer_id = await customer(stack, name="Quiet Co", plan="slotted")
    await contract(stack, customer_id)
    ticket = await open_ticket(stack, customer_id, "Nothing happens")
    await stack.http.post(f"/tickets/{ticket['id']}/status",
                          json={"status": "waiting_on_customer", "author": "ana"})

    async def given_back() -> bool:
        period = (await usage(stack, customer_id))[0]
        return (period["used"], period["reserved"], period["available"]) == (0, 0, 1)

    # The customer never answers: the ticket closes by itself (4 s here), unserved.
    await wait_for(given_back, timeout=20)


async def test_a_grant_that_expires_mid_ticket(stack: Stack) -> None:
    customer_id = await customer(stack, name="Grant Co", plan="recommendations")
    ends = datetime.now(UTC) + timedelta(seconds=3)
    grant = await contract(stack, customer_id, kind="grant", slots=0,
                           starts_at=add_months(ends, -1).isoformat(),
                           note="integration X delivered")
    assert grant["contract"]["usage"] == [] and grant["contract"]["active"] is True
    during = await open_ticket(stack, customer_id, "Integration X misses leads")
    assert (during["plan"], during["coverage"]["covered"]) == ("slotted", True)

    async def expired() -> bool:
        return datetime.now(UTC) > ends + timedelta(milliseconds=200)

    await wait_for(expired, timeout=10)
    # The ticket taken under the grant keeps its plan and coverage.
    kept = (await stack.http.get(f"/tickets/{during['id']}")).json()
    assert (kept["plan"], kept["coverage"]["covered"]) == ("slotted", True)
    assert running(kept) == {"first_response", "resolution"}
    # A new request falls back to the base plan: recommendations only.
    after = await open_ticket(stack, customer_id, "Another question")
    assert (after["plan"], after["coverage"], after["recommendations_only"]) == (
        "recommendations", None, True)
    fix = await stack.http.post(f"/tickets/{after['id']}/resolution",
                                json={"author": "ana", "summary": "patched", "kind": "fix"})
    assert fix.status_code == 409 and "a fix needs a paid tier" in fix.json()["detail"]
    advice = await stack.http.post(f"/tickets/{after['id']}/resolution",
                                   json={"author": "ana", "summary": "raise the limit"})
    assert advice.status_code == 200, advice.text
    timeline = (await stack.http.get(f"/tickets/{after['id']}/timeline")).json()
    assert "recommendation: raise the limit" in [event["detail"] for event in timeline]


@pytest.mark.parametrize(("fields", "message"), [
    ({"kind": "subscription", "slots": 5, "months": 1}, "shortest subscription is 3 months"),
    ({"tier": "gold"}, "unknown tier 'gold'"),
    ({"kind": "grant", "slots": 2}, "holds no slots"),
    ({"slots": 0}, "at least one slot"),
    ({"ends_at": "2030-01-01T00:00:00Z"}, "one of them"),
    ({"months": None, "ends_at": "2020-01-01T00:00:00Z"}, "must end after it starts"),
    ({"kind": "lease"}, "subscription"),
])
async def test_a_contract_that_cannot_be_is_a_clear_422(
    stack: Stack, fields: dict[str, Any], message: str
) -> None:
    customer_id = await customer(stack, name="Refused Co")
    body = {"kind": "slots", "tier": "slotted", "months": 1, "slots": 1,
            "starts_at": "2026-01-01", **fields}
    response = await stack.http.post(f"/customers/{customer_id}/contracts", json=body)
    assert response.status_code == 422, response.text
    assert message in response.text


async def test_a_contract_for_no_such_customer_is_404(stack: Stack) -> None:
    response = await stack.http.post("/customers/999999/contracts", json={
        "kind": "slots", "tier": "slotted", "months": 1, "slots": 1, "starts_at": "2026-01-01"})
    assert response.status_code == 404 and "no customer 999999" in response.text


async def test_a_plan_change_leaves_tickets_on_a_contract_tier_alone(stack: Stack) -> None:
    customer_id = await customer(stack, name="Tiered Co", plan="recommendations")
    await contract(stack, customer_id, kind="grant", slots=0, months=2)
    on_grant = await open_ticket(stack, customer_id, "Leads missing")
    assert on_grant["plan"] == "slotted"
    changed = await stack.http.post(f"/customers/{customer_id}/plan",
                                    json={"plan": "fast", "apply_to_open": True})
    assert changed.status_code == 200, changed.text
    assert changed.json()["failed"] == []
    assert (await stack.http.get(f"/tickets/{on_grant['id']}")).json()["plan"] == "slotted"

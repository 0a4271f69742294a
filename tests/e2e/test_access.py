"""Every route against every role: 401 without a key, 403 for a role that may not, 404 for
another customer's ticket, and through for the roles that may."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e

ALL = {"customer", "agent", "admin", "telephony"}
CUSTOMER_OR_STAFF = {"customer", "agent", "admin"}
STAFF = {"agent", "admin"}

#: method, path ({own} / {other}: a ticket of the key's customer / of another), body, roles.
ROUTES: list[tuple[str, str, dict[str, Any] | None, set[str]]] = [
    ("POST", "/customers", {"name": "New", "plan": "fast"}, {"admin"}),
    ("GET", "/customers", None, STAFF),
    ("GET", "/customers/{own_customer}", None, CUSTOMER_OR_STAFF),
    ("POST", "/tickets", {"customer_id": "{own_customer}", "subject": "s", "description": "d",
                          "severity": "minor", "force_new": True}, CUSTOMER_OR_STAFF),
    ("GET", "/tickets", None, CUSTOMER_OR_STAFF),
    ("GET", "/tickets/{own}", None, CUSTOMER_OR_STAFF),
    ("GET", "/tickets/{own}/timeline", None, CUSTOMER_OR_STAFF),
    ("GET", "/tickets/{own}/notifications", None, CUSTOMER_OR_STAFF),
    ("POST", "/tickets/{own}/replies", {"body": "more info"}, CUSTOMER_OR_STAFF),
    ("POST", "/tickets/{own}/confirmation", {}, CUSTOMER_OR_STAFF),
    ("POST", "/tickets/{own}/reopen", {}, CUSTOMER_OR_STAFF),
    ("POST", "/tickets/{own}/feedback", {"rating": 5}, CUSTOMER_OR_STAFF),
    ("POST", "/tickets/{own}/responses", {"author": "a", "body": "b"}, STAFF),
    ("POST", "/tickets/{own}/status", {"status": "open", "author": "a"}, STAFF),
    ("POST", "/tickets/{own}/resolution", {"author": "a", "summary": "s"}, STAFF),
    ("POST", "/tickets/{own}/callbacks", {"agent": "a", "outcome": "reached"}, STAFF),
    ("POST", "/tickets/{own}/escalations/1/ack", {"by": "a"}, STAFF),
    ("POST", "/tickets/{own}/update-interval", {"interval": "1h", "author": "a"}, STAFF),
    ("POST", "/tickets/{own}/severity", {"severity": "critical", "author": "a"}, STAFF),
    ("POST", "/tickets/{own}/type", {"type": "configuration", "author": "a"}, STAFF),
    ("POST", "/customers/{own_customer}/plan", {"plan": "fast"}, {"admin"}),
    ("POST", "/customers/{own_customer}/contracts", {
        "kind": "slots", "tier": "fast", "months": 1, "slots": 1,
        "starts_at": "2026-01-01"}, {"admin"}),
    ("GET", "/customers/{own_customer}/contracts", None, CUSTOMER_OR_STAFF),
    ("POST", "/tickets/{own}/coverage", {"by": "a"}, STAFF),
    ("POST", "/tickets/{own}/duplicate", {"decision": "reject", "author": "a"}, STAFF),
    ("POST", "/emergency-calls", {"company_name": "Access Co A", "contact_name": "R",
                                  "contact_phone": "+390200000777",
                                  "contact_email": "r@example.com", "description": "down"},
     {"telephony", "agent", "admin"}),
    ("POST", "/inbound/email", {"from": "x@unknown.example", "message-id": "<m@x>",
                                "text": "hi"}, {"telephony", "admin"}),
    ("GET", "/queue", None, STAFF),
    ("GET", "/queue/tickets/{own}", None, STAFF),
    ("GET", "/reports/sla", None, STAFF),
    ("GET", "/reports", None, STAFF),
    ("POST", "/keys", {"role": "agent"}, {"admin"}),
    ("GET", "/keys", None, {"admin"}),
]


def fill(value: Any, names: dict[str, Any]) -> Any:
    if isinstance(value, str):
        for name, replacement in names.items():
            if value == f"{{{name}}}":
                return replacement
            value = value.replace(f"{{{name}}}", str(replacement))
        return value
    if isinstance(value, dict):
        return {key: fill(item, names) for key, item in value.items()}
    return value


async def test_every_route_against_every_role(stack: Stack) -> None:
    admin = stack.http
    customers = [(await admin.post("/customers", json={
        "name": f"Access Co {letter}", "plan": "fast", "tam_name": "Tess",
        "tam_email": "t@example.com"})).json()["id"] for letter in "AB"]
    tickets = [(await admin.post("/tickets", json={
        "customer_id": customer, "subject": f"Problem of {customer}", "description": "x",
        "severity": "minor"})).json()["id"] for customer in customers]
    keys = {"admin": admin.headers["Authorization"].removeprefix("Bearer ")}
    for role in ("agent", "telephony"):
        keys[role] = (await admin.post("/keys", json={"role": role})).json()["key"]
    keys["customer"] = (await admin.post("/keys", json={
        "role": "customer", "customer_id": customers[0]})).json()["key"]
    names = {"own": tickets[0], "other": tickets[1], "own_customer": customers[0]}

    checked = 0
    async with httpx.AsyncClient(base_url=str(admin.base_url), timeout=30) as http:
        for method, path, body, roles in ROUTES:
            url, payload = fill(path, names), fill(body, names)
            anonymous = await http.request(method, url, json=payload)
            assert anonymous.status_code == 401, (method, path)
            for role in sorted(ALL):
                headers = {"Authorization": f"Bearer {keys[role]}"}
                response = await http.request(method, url, json=payload, headers=headers)
                checked += 1
                if role in roles:
                    assert response.status_code not in (401, 403), (method, path, role,
                                                                    response.text)
                else:
                    assert response.status_code == 403, (method, path, role, response.text)
            if "{own}" in path and "customer" in roles:
                foreign = await http.request(
                    method, fill(path.replace("{own}", "{other}"), names), json=payload,
                    headers={"Authorization": f"Bearer {keys['customer']}"})
                assert foreign.status_code == 404, (method, path)
        wrong = await http.get("/tickets", headers={"Authorization": "Bearer sla_not-a-key"})
        assert wrong.status_code == 401
        mine = await http.get("/tickets", headers={"Authorization": f"Bearer {keys['customer']}"})
        assert {row["customer_id"] for row in mine.json()} == {customers[0]}
        other_customer = await http.post("/tickets", headers={
            "Authorization": f"Bearer {keys['customer']}"}, json={
            "customer_id": customers[1], "subject": "s", "description": "d", "severity": "minor"})
        assert other_customer.status_code == 403
        for public in ("/health", "/metrics", "/openapi.json"):
            assert (await http.get(public)).status_code == 200
    print(f"\naccess matrix: {checked} route/role pairs checked")
    revoked = (await admin.get("/keys")).json()
    agent_id = next(key["id"] for key in revoked if key["role"] == "agent")
    await admin.delete(f"/keys/{agent_id}")
    async with httpx.AsyncClient(base_url=str(admin.base_url)) as http:
        gone = await http.get("/queue", headers={"Authorization": f"Bearer {keys['agent']}"})
        assert gone.status_code == 401

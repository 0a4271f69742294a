"""Every route against every role, in-process: 401 without a key, 403 for a role that may
not, 404 for another customer's ticket, and through for the roles that may."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import InProcessApi

#: Headers that take the client's admin key away.
NO_KEY = {"Authorization": ""}
#: The pages people open in a browser (the rest is the JSON API).
PAGES = {"/queue", "/reports"}
ALL = {"customer", "agent", "admin", "telephony"}
CUSTOMER_OR_STAFF = {"customer", "agent", "admin"}
STAFF = {"agent", "admin"}

#: method, path ({own} / {other}: a ticket of the key's customer / of another), body, roles,
#: and the state the ticket {own} must be in for the call to succeed (a fresh one per call).
Route = tuple[str, str, dict[str, Any] | None, set[str], str]
ROUTES: list[Route] = [
    ("POST", "/customers", {"name": "New", "plan": "fast"}, {"admin"}, "open"),
    ("GET", "/customers", None, STAFF, "open"),
    ("GET", "/customers/{own_customer}", None, CUSTOMER_OR_STAFF, "open"),
    ("POST", "/tickets", {"customer_id": "{own_customer}", "subject": "s", "description": "d",
                          "severity": "minor", "force_new": True}, CUSTOMER_OR_STAFF, "open"),
    ("GET", "/tickets", None, CUSTOMER_OR_STAFF, "open"),
    ("GET", "/tickets/{own}", None, CUSTOMER_OR_STAFF, "open"),
    ("GET", "/tickets/{own}/timeline", None, CUSTOMER_OR_STAFF, "open"),
    ("GET", "/tickets/{own}/notifications", None, CUSTOMER_OR_STAFF, "open"),
    ("POST", "/tickets/{own}/replies", {"body": "more info"}, CUSTOMER_OR_STAFF, "open"),
    ("POST", "/tickets/{own}/confirmation", {}, CUSTOMER_OR_STAFF, "proposed"),
    ("POST", "/tickets/{own}/reopen", {}, CUSTOMER_OR_STAFF, "proposed"),
    ("POST", "/tickets/{own}/feedback", {"rating": 5}, CUSTOMER_OR_STAFF, "closed"),
    ("POST", "/tickets/{own}/responses", {"author": "a", "body": "b"}, STAFF, "open"),
    ("POST", "/tickets/{own}/status", {"status": "waiting_on_customer", "author": "a"}, STAFF,
     "open"),
    ("POST", "/tickets/{own}/resolution", {"author": "a", "summary": "s"}, STAFF, "open"),
    ("POST", "/tickets/{own}/callbacks", {"agent": "a", "outcome": "reached"}, STAFF, "called"),
    ("POST", "/tickets/{own}/escalations/1/ack", {"by": "a"}, STAFF, "paged"),
    ("POST", "/tickets/{own}/update-interval", {"interval": "1h", "author": "a"}, STAFF, "open"),
    ("POST", "/tickets/{own}/severity", {"severity": "critical", "author": "a"}, STAFF, "open"),
    ("POST", "/tickets/{own}/type", {"type": "configuration", "author": "a"}, STAFF, "open"),
    ("POST", "/customers/{own_customer}/plan", {"plan": "fast"}, {"admin"}, "open"),
    ("POST", "/customers/{own_customer}/contracts", {
        "kind": "slots", "tier": "fast", "months": 1, "slots": 1,
        "starts_at": "2026-01-01"}, {"admin"}, "open"),
    ("GET", "/customers/{own_customer}/contracts", None, CUSTOMER_OR_STAFF, "open"),
    ("POST", "/tickets/{own}/coverage", {"by": "a"}, STAFF, "uncovered"),
    ("POST", "/tickets/{own}/duplicate", {"decision": "reject", "author": "a"}, STAFF,
     "possible_duplicate"),
    ("POST", "/emergency-calls", {"company_name": "Access Co A", "contact_name": "R",
                                  "contact_phone": "+390200000777",
                                  "contact_email": "r@example.com", "description": "down"},
     {"telephony", "agent", "admin"}, "open"),
    ("POST", "/inbound/email", {"from": "{own_email}", "message-id": "<m@x>",
                                "subject": "Bounces", "text": "hi"}, {"telephony", "admin"},
     "open"),
    ("GET", "/queue", None, STAFF, "open"),
    ("GET", "/queue/tickets/{own}", None, STAFF, "open"),
    ("GET", "/reports/sla", None, STAFF, "open"),
    ("GET", "/reports", None, STAFF, "open"),
    ("POST", "/keys", {"role": "agent"}, {"admin"}, "open"),
    ("GET", "/keys", None, {"admin"}, "open"),
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


class Tickets:
    """Fresh tickets of the key's customer in the state a call needs, made with the admin key."""

    def __init__(self, admin: httpx.AsyncClient, customer_id: int, slotted_id: int) -> None:
        self.admin, self.customer_id, self.slotted_id = admin, customer_id, slotted_id
        self.made = 0

    async def open(self, customer_id: int | None = None, subject: str | None = None) -> str:
        self.made += 1
        response = await self.admin.post("/tickets", json={
            "customer_id": customer_id or self.customer_id, "severity": "minor",
            "subject": subject or f"Access problem {self.made}", "description": "x",
            "force_new": subject is None})
        assert response.status_code in (201, 202), response.text
        ticket_id: str = response.json()["id"]
        return ticket_id

    async def call(self, path: str, body: dict[str, Any]) -> None:
        response = await self.admin.post(path, json=body)
        assert response.is_success, (path, response.text)

    async def in_state(self, state: str) -> str:
        if state == "uncovered":
            return await self.open(self.slotted_id)
        if state == "possible_duplicate":
            subject = f"Webhook deliveries to hook {self.made + 1} keep failing"
            await self.open(subject=subject)
            return await self.open(subject=subject)
        if state == "paged":
            # A call from a number no customer has pages the on-call contact at once.
            self.made += 1
            response = await self.admin.post("/emergency-calls", json={
                "company_name": f"Stranger {self.made}", "contact_name": "S",
                "contact_phone": f"+4412300{self.made:05d}",
                "contact_email": f"s{self.made}@stranger.example", "description": "down"})
            assert response.is_success, response.text
            return str(response.json()["ticket_id"])
        ticket_id = await self.open()
        if state == "called":
            await self.call("/emergency-calls", {
                "company_name": "Access Co A", "contact_name": "R", "ticket_id": ticket_id,
                "contact_phone": "+390200000777", "contact_email": "r@example.com",
                "description": f"down {ticket_id}"})
        if state in ("proposed", "closed"):
            await self.call(f"/tickets/{ticket_id}/resolution", {"author": "a", "summary": "s"})
        if state == "closed":
            await self.call(f"/tickets/{ticket_id}/confirmation", {})
        return ticket_id


async def test_every_route_against_every_role(api: InProcessApi) -> None:
    admin = api.http
    customers = [(await admin.post("/customers", json={
        "name": f"Access Co {letter}", "plan": "fast", "tam_name": "Tess",
        "tam_email": "t@example.com", "email": f"desk@access-{letter.lower()}.example"})).json()["id"]
        for letter in "AB"]
    slotted = (await admin.post("/customers", json={"name": "Access Slotted",
                                                   "plan": "slotted"})).json()["id"]
    tickets = Tickets(admin, customers[0], slotted)
    others = [await tickets.open(), await tickets.open(customers[1])]
    keys = {"admin": admin.headers["Authorization"].removeprefix("Bearer ")}
    for role in ("agent", "telephony"):
        keys[role] = (await admin.post("/keys", json={"role": role})).json()["key"]
    keys["customer"] = (await admin.post("/keys", json={
        "role": "customer", "customer_id": customers[0]})).json()["key"]
    names: dict[str, Any] = {"own": others[0], "other": others[1], "own_customer": customers[0],
                             "own_email": "desk@access-a.example"}

    checked = 0
    http = admin
    for method, path, body, roles, state in ROUTES:
        url, payload = fill(path, names), fill(body, names)
        anonymous = await http.request(method, url, json=payload, headers=NO_KEY)
        if path in PAGES or path.startswith("/queue/"):
            # A page: a browser without a session is sent to sign in.
            assert anonymous.status_code == 303, (method, path)
            assert anonymous.headers["Location"].startswith(f"/sign-in?next={url}")
        else:
            assert anonymous.status_code == 401, (method, path)
        for role in sorted(ALL):
            headers = {"Authorization": f"Bearer {keys[role]}"}
            if role in roles:
                # A fresh ticket in the state the call needs: an allowed role succeeds.
                own = await tickets.in_state(state) if "{own}" in path else names["own"]
                url = fill(path, names | {"own": own})
            response = await http.request(method, url, json=payload, headers=headers)
            checked += 1
            if role in roles:
                assert response.is_success, (method, path, role, response.status_code,
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
        assert (await http.get(public, headers=NO_KEY)).status_code == 200
    print(f"\naccess matrix: {checked} route/role pairs checked")
    revoked = (await admin.get("/keys")).json()
    agent_id = next(key["id"] for key in revoked if key["role"] == "agent")
    await admin.delete(f"/keys/{agent_id}")
    gone = await admin.get("/queue", headers={"Authorization": f"Bearer {keys['agent']}"})
    assert gone.status_code == 401

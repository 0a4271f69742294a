"""Every route against every role, in-process: 401 without a key (a page or a form: sent to
sign in), 403 for a role that may not, 404 for another customer's ticket or customer, and
through for the roles that may, each on a fresh ticket in the state its call needs.

The table is ``tests/support/routes.py``; it is held to the app's own routes, so a route
added without its row (or a row left for a route that is gone) fails here."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.main import create_app
from api.web_auth import COOKIE, session_limits
from store.db import make_engine
from store.web_sessions import find_session
from tests.support.database import refuse_ticket_writes
from tests.support.in_process import InProcessApi, signed_in
from tests.support.routes import ALL, PUBLIC, ROUTES, Row, fill

#: Headers that take the client's admin key away.
NO_KEY = {"Authorization": ""}


def served(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path template) of every route the app serves. An included router's routes
    sit behind one entry of ``app.routes``; ``iter_route_contexts`` walks them as the OpenAPI
    document does, and finds the console's too (which the document leaves out)."""
    return {(method, route.path or "") for route in iter_route_contexts(app.routes)
            for method in route.methods or () if method != "HEAD"}


@pytest.mark.pure
def test_every_route_the_app_serves_has_a_row_or_is_public_for_a_reason() -> None:
    routes = served(create_app())
    rows = {(row.method, row.path) for row in ROUTES}
    assert len(routes) > 40, sorted(routes)  # the walk found the included routers' routes
    assert routes - rows - PUBLIC.keys() == set(), "routes without a row in tests/support/routes.py"
    assert (rows | PUBLIC.keys()) - routes == set(), "rows for routes the app does not serve"
    assert rows & PUBLIC.keys() == set()


class Callers:
    """Two customers, a key of every role, and what a call needs made fresh with the admin
    key: a ticket of the first customer in a given state, a key to revoke."""

    def __init__(self, api: InProcessApi, engine: Engine) -> None:
        self.api, self.admin, self.engine = api, api.http, engine
        self.made = 0
        self.keys: dict[str, str] = {
            "admin": self.admin.headers["Authorization"].removeprefix("Bearer ")}
        self.key_ids: dict[str, int] = {}
        self.names: dict[str, Any] = {}
        self.other: dict[str, Any] = {}

    async def setup(self) -> None:
        customers = [(await self.admin.post("/customers", json={
            "name": f"Access Co {letter}", "plan": "fast", "tam_name": "Tess",
            "tam_email": "t@example.com", "email": f"desk@access-{letter.lower()}.example"}
        )).json()["id"] for letter in "AB"]
        self.customer_id, self.slotted_id = customers[0], (await self.admin.post(
            "/customers", json={"name": "Access Slotted", "plan": "slotted"})).json()["id"]
        for role in ("agent", "telephony", "mail", "customer"):
            self.key_ids[role], self.keys[role] = await self.key(
                role, self.customer_id if role == "customer" else None)
        self.names = {"ticket_id": await self.open(), "customer_id": self.customer_id,
                      "customer_email": "desk@access-a.example", "level": 1,
                      "key_id": await self.key_id(), "rollout_id": await self.rollout(),
                      "mail_id": await self.quarantined()}
        self.other = {"ticket_id": await self.open(customers[1]), "customer_id": customers[1]}

    async def key(self, role: str, customer_id: int | None = None,
                  name: str = "") -> tuple[int, str]:
        created = await self.admin.post("/keys", json={"role": role, "customer_id": customer_id,
                                                       "name": name})
        assert created.status_code == 201, created.text
        return created.json()["id"], created.json()["key"]

    async def key_id(self) -> int:
        key_id, _key = await self.key("agent", name="to revoke")
        return key_id

    async def quarantined(self) -> int:
        """A mail from an address no customer has: it waits in the quarantine."""
        self.made += 1
        response = await self.admin.post("/inbound/email", json={
            "from": f"stranger{self.made}@nowhere.example", "message-id": f"<q{self.made}@x>",
            "subject": "Who am I", "text": "hello"})
        assert response.status_code == 202, response.text
        mail_id: int = response.json()["quarantine_id"]
        return mail_id

    async def rollout(self) -> str:
        """A rollout of a plan over a customer's open ticket."""
        customer = (await self.admin.post("/customers", json={
            "name": "Access Rollout Co", "plan": "fast"})).json()["id"]
        await self.open(customer)
        moved = await self.admin.post(f"/customers/{customer}/plan",
                                      json={"plan": "fast", "apply_to_open": True})
        assert moved.is_success and moved.json()["rollout"] is not None, moved.text
        rollout_id: str = moved.json()["rollout"]["id"]
        return rollout_id

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
        if state == "failing":
            # The database refuses this ticket's row from its next write on.
            ticket_id = await self.open()
            refuse_ticket_writes(self.engine, ticket_id, "full")
            await self.call(f"/tickets/{ticket_id}/replies", {"body": "more"})
            return ticket_id
        assert state in ("open", "called", "proposed", "closed"), f"no way to make {state!r}"
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

    async def names_for(self, row: Row, allowed: bool) -> dict[str, Any]:
        """The row's placeholders; for an allowed call, what it acts on is made fresh."""
        names = self.names | {"action": row.action}
        if allowed and "{ticket_id}" in row.path:
            names["ticket_id"] = await self.in_state(row.state)
        if allowed and "{key_id}" in row.path:
            names["key_id"] = await self.key_id()
        if allowed and "{mail_id}" in row.path:
            names["mail_id"] = await self.quarantined()
        return names

    async def session(self, role: str) -> tuple[httpx.AsyncClient, str]:
        """A browser signed in with the role's key, and its session's form token."""
        browser = await signed_in(self.api, self.keys[role])
        with Session(self.engine) as session:
            found = find_session(session, browser.cookies[COOKIE],
                                 *session_limits(self.api.settings))
            assert found is not None
            token = found[0].csrf_token
        return browser, token

    async def as_role(self, row: Row, role: str, url: str, payload: Any) -> httpx.Response:
        if row.kind != "form":
            return await self.admin.request(row.method, url, json=payload, headers={
                "Authorization": f"Bearer {self.keys[role]}"})
        browser, token = await self.session(role)
        try:
            return await browser.request(row.method, url,
                                         data={**(payload or {}), "form_token": token})
        finally:
            await browser.aclose()


def succeeded(row: Row, response: httpx.Response, names: dict[str, Any]) -> bool:
    if row.kind == "form":
        return response.status_code == 303 and response.headers["Location"] == fill(row.done,
                                                                                     names)
    return response.is_success


async def test_every_route_against_every_role(api: InProcessApi) -> None:
    engine = make_engine(api.settings.database_url)
    callers = Callers(api, engine)
    await callers.setup()
    http = api.http
    checked = 0
    for row in ROUTES:
        names = await callers.names_for(row, allowed=False)
        url, payload = fill(row.path, names), fill(row.body, names)
        anonymous = await http.request(row.method, url, json=payload, headers=NO_KEY)
        if row.kind == "api":
            assert anonymous.status_code == 401, (row, anonymous.text)
        else:
            # A browser without a session is sent to sign in, and back here after.
            assert anonymous.status_code == 303, (row, anonymous.text)
            assert anonymous.headers["Location"].startswith(f"/sign-in?next={url}")
        for role in sorted(ALL):
            allowed = role in row.roles
            names = await callers.names_for(row, allowed)
            url = fill(row.path, names)
            response = await callers.as_role(row, role, url, payload)
            checked += 1
            if allowed:
                # A fresh ticket in the state the call needs: an allowed role succeeds.
                assert succeeded(row, response, names), (row, role, response.status_code,
                                                         response.text)
            else:
                assert response.status_code == 403, (row, role, response.text)
        if row.kind == "form":
            # A key is not a session: without the session's form token a form is refused.
            role = min(row.roles)
            keyed = await http.request(row.method, fill(row.path, names), data=payload,
                                       headers={"Authorization": f"Bearer {callers.keys[role]}"})
            assert keyed.status_code == 403, (row, role, keyed.text)
        if "customer" in row.roles:
            for name in ("ticket_id", "customer_id"):
                if f"{{{name}}}" in row.path:
                    other = fill(row.path, names | {name: callers.other[name]})
                    foreign = await callers.as_role(row, "customer", other, payload)
                    assert foreign.status_code == 404, (row, name, foreign.text)
    wrong = await http.get("/tickets", headers={"Authorization": "Bearer sla_not-a-key"})
    assert wrong.status_code == 401
    customer = {"Authorization": f"Bearer {callers.keys['customer']}"}
    mine = await http.get("/tickets", headers=customer)
    assert {row["customer_id"] for row in mine.json()} == {callers.customer_id}
    other_customer = await http.post("/tickets", headers=customer, json={
        "customer_id": callers.other["customer_id"], "subject": "s", "description": "d",
        "severity": "minor"})
    assert other_customer.status_code == 403
    for public in ("/health", "/metrics", "/openapi.json", "/docs", "/sign-in"):
        assert (await http.get(public, headers=NO_KEY)).status_code == 200, public
    # The feedback link's token is its credential: a wrong one finds no ticket.
    ticket_id = callers.names["ticket_id"]
    assert (await http.get(f"/feedback/{ticket_id}", params={"token": "wrong"},
                           headers=NO_KEY)).status_code == 404
    assert (await http.post(f"/feedback/{ticket_id}", data={"token": "wrong", "rating": "5"},
                            headers=NO_KEY)).status_code == 404
    print(f"\naccess matrix: {checked} route/role pairs checked")
    assert (await http.delete(f"/keys/{callers.key_ids['agent']}")).status_code == 200
    gone = await http.get("/queue", headers={"Authorization": f"Bearer {callers.keys['agent']}"})
    assert gone.status_code == 401
    engine.dispose()

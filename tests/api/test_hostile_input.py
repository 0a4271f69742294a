"""Every hostile value through every door: a NUL, a lone surrogate, over-long text, an
out-of-range duration and an unknown value, posted to the JSON API, the console's forms,
the feedback form and the inbound-mail webhook. Each is a 4xx that names the field, never
a 5xx, and nothing reaches the workflow: the tickets' histories take no update, and no
mail opens a ticket."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from urllib.parse import quote

import httpx
from temporalio.api.enums.v1 import EventType

from tests.support.feedback import feedback_link
from tests.support.in_process import InProcessApi, post_sign_in

#: Longer than any field of any change takes (20,000 characters; 100,000 for a mail).
OVER_LONG = "x" * 100_001
TEXTS = {"NUL": "a\x00b", "lone surrogate": "a\ud800b", "over-long": OVER_LONG}
DURATIONS = ["99999999999w", "1000000w", "0.0000001s", "soon", "91d"]


def form_body(fields: dict[str, str]) -> bytes:
    """A urlencoded body as a browser sends it; a lone surrogate goes as the bytes its
    encoding would have, which are no UTF-8."""
    return "&".join(
        f"{quote(name)}={quote(value.encode('utf-8', 'surrogatepass'))}"
        for name, value in fields.items()).encode()


@dataclass
class Door:
    api: InProcessApi

    async def json(self, path: str, body: Mapping[str, object]) -> httpx.Response:
        # ensure_ascii: a lone surrogate travels as the escape "\ud800", as a client sends it.
        return await self.api.http.post(path, content=json.dumps(body).encode(),
                                        headers={"content-type": "application/json"})

    async def form(self, browser: httpx.AsyncClient, path: str,
                   fields: dict[str, str]) -> httpx.Response:
        return await browser.post(path, content=form_body(fields), headers={
            "content-type": "application/x-www-form-urlencoded"})


async def signed_in(api: InProcessApi, key: str) -> tuple[httpx.AsyncClient, str]:
    browser = httpx.AsyncClient(transport=httpx.ASGITransport(app=api.app),
                                base_url="http://api.test")
    answer = await post_sign_in(browser, key)
    assert answer.status_code == 303, answer.text
    home = await browser.get(answer.headers["location"])
    found = re.search(r'name="form_token" value="([^"]+)"', home.text)
    assert found is not None, home.text
    return browser, found.group(1)


async def updates_in(api: InProcessApi, ticket_id: str) -> int:
    """How many updates the ticket's workflow has taken (each accepted one is an event)."""
    handle = api.app.state.resources.temporal.get_workflow_handle(ticket_id)
    history = await handle.fetch_history()
    return sum(1 for event in history.events
               if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)


def refused(response: httpx.Response, field: str, case: str) -> None:
    assert 400 <= response.status_code < 500, (case, response.status_code, response.text[:500])
    assert field in response.text, (case, field, response.text[:500])


async def test_every_hostile_value_through_every_door_is_a_4xx_naming_the_field(
    api: InProcessApi,
) -> None:
    admin = api.http
    customer = (await admin.post("/customers", json={
        "name": "Hostile Co", "plan": "fast", "email": "ops@hostile.example"})).json()["id"]

    async def ticket(subject: str) -> str:
        opened = await admin.post("/tickets", json={
            "customer_id": customer, "subject": subject, "description": "d",
            "severity": "minor", "force_new": True})
        assert opened.status_code == 201, opened.text
        return str(opened.json()["id"])

    open_ticket = await ticket("Sync stopped")
    called = await ticket("Outage called in")
    assert (await admin.post("/emergency-calls", json={
        "company_name": "Hostile Co", "contact_name": "R", "ticket_id": called,
        "contact_phone": "+390200000999", "contact_email": "r@hostile.example",
        "description": "down"})).is_success
    closed = await ticket("Bounces")
    await admin.post(f"/tickets/{closed}/resolution", json={"author": "a", "summary": "s"})
    await admin.post(f"/tickets/{closed}/confirmation", json={})
    link = await feedback_link(admin, closed)

    agent_key = (await admin.post("/keys", json={"role": "agent", "name": "Ana"})).json()["key"]
    customer_key = (await admin.post("/keys", json={
        "role": "customer", "customer_id": customer})).json()["key"]
    agent, agent_token = await signed_in(api, agent_key)
    customer_browser, customer_token = await signed_in(api, customer_key)
    anonymous = httpx.AsyncClient(transport=httpx.ASGITransport(app=api.app),
                                  base_url="http://api.test")
    door = Door(api)
    tickets = [open_ticket, called, closed]
    before = {ticket_id: await updates_in(api, ticket_id) for ticket_id in tickets}
    listed_before = len((await admin.get("/tickets", params={"customer_id": customer})).json())

    Case = tuple[str, str, Callable[[], Awaitable[httpx.Response]]]
    cases: list[Case] = []
    staff_page = f"/queue/tickets/{open_ticket}/actions"
    mine_page = f"/my/tickets/{open_ticket}/actions"
    for name, bad in TEXTS.items():
        def post(path: str, body: Mapping[str, object]) -> Callable[[], Awaitable[httpx.Response]]:
            return partial(door.json, path, body)

        cases += [
            (f"API response body, {name}", "body",
             post(f"/tickets/{open_ticket}/responses", {"author": "ana", "body": bad})),
            (f"API reply, {name}", "body",
             post(f"/tickets/{open_ticket}/replies", {"body": bad})),
            (f"API callback notes, {name}", "notes",
             post(f"/tickets/{called}/callbacks", {"agent": "ana", "outcome": "reached",
                                                    "notes": bad})),
            (f"API feedback comment, {name}", "comment",
             post(f"/tickets/{closed}/feedback", {"rating": 4, "comment": bad})),
            (f"API new ticket, {name}", "description",
             post("/tickets", {"customer_id": customer, "subject": "s", "description": bad,
                               "severity": "minor", "force_new": True})),
            (f"console response, {name}", "body",
             partial(door.form, agent, f"{staff_page}/respond",
                     {"form_token": agent_token, "body": bad})),
            (f"console callback notes, {name}", "notes",
             partial(door.form, agent, f"/queue/tickets/{called}/actions/callback",
                     {"form_token": agent_token, "outcome": "reached", "notes": bad})),
            (f"console reply, {name}", "body",
             partial(door.form, customer_browser, f"{mine_page}/reply",
                     {"form_token": customer_token, "body": bad})),
            (f"feedback form comment, {name}", "comment",
             partial(door.form, anonymous, link.path,
                     {"token": link.token, "rating": "4", "comment": bad})),
            (f"inbound mail text, {name}", "text",
             post("/inbound/email", {"from": "ops@hostile.example", "message-id": "<h@x>",
                                     "subject": "Hello", "text": bad})),
            (f"inbound mail subject, {name}", "subject",
             post("/inbound/email", {"from": "ops@hostile.example", "message-id": "<h@x>",
                                     "subject": bad, "text": "hi"})),
        ]
    for duration in DURATIONS:
        cases += [
            (f"API update interval {duration}", "interval",
             partial(door.json, f"/tickets/{open_ticket}/update-interval",
                     {"author": "ana", "interval": duration})),
            (f"console update interval {duration}", "interval",
             partial(door.form, agent, f"{staff_page}/update-interval",
                     {"form_token": agent_token, "interval": duration})),
        ]
    unknown_values = [
        ("callback outcome", f"/tickets/{called}/callbacks", "callback", called, "outcome",
         {"agent": "ana", "outcome": "voicemail"}),
        ("severity", f"/tickets/{open_ticket}/severity", "severity", open_ticket, "severity",
         {"author": "ana", "severity": "urgent"}),
        ("type", f"/tickets/{open_ticket}/type", "type", open_ticket, "type",
         {"author": "ana", "type": "bug"}),
        ("status", f"/tickets/{open_ticket}/status", "status", open_ticket, "status",
         {"author": "ana", "status": "closed"}),
    ]
    for what, path, action, ticket_id, field, body in unknown_values:
        form = {key: str(value) for key, value in body.items() if key not in ("agent", "author")}
        cases += [
            (f"API unknown {what}", field, partial(door.json, path, body)),
            (f"console unknown {what}", field,
             partial(door.form, agent, f"/queue/tickets/{ticket_id}/actions/{action}",
                     {"form_token": agent_token, **form})),
        ]
    cases += [
        ("feedback form rating 9", "rating", lambda: door.form(
            anonymous, link.path, {"token": link.token, "rating": "9"})),
        ("feedback form rating five", "rating", lambda: door.form(
            anonymous, link.path, {"token": link.token, "rating": "five"})),
        ("console rating 0", "rating", lambda: door.form(
            customer_browser, f"/my/tickets/{closed}/actions/rate",
            {"form_token": customer_token, "rating": "0"})),
        ("API feedback rating 6", "rating", lambda: door.json(
            f"/tickets/{closed}/feedback", {"rating": 6})),
    ]

    for case, field, send in cases:
        refused(await send(), field, case)

    assert {ticket_id: await updates_in(api, ticket_id) for ticket_id in tickets} == before
    listed = (await admin.get("/tickets", params={"customer_id": customer})).json()
    assert len(listed) == listed_before, "no hostile mail or request opened a ticket"
    for browser in (agent, customer_browser, anonymous):
        await browser.aclose()



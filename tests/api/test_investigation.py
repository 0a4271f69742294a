"""360dialog's first response is "первое проведенное расследование" (the first
investigation carried out), with substantive information: under its policy
(``first_response = "investigation"``) an agent's response stops the first-response clock
only when the agent marks it as an investigation, on every door (the JSON API, the
console's reply form, the command line). An acknowledgement by a person is recorded on
the timeline and stops nothing. Under other policies nothing changes."""

from __future__ import annotations

from typing import Any

import pytest

from cli import tickets as tickets_cli
from tests.support.in_process import InProcessApi, form_token, signed_in


async def _ticket(api: InProcessApi, plan: str) -> str:
    customer = (await api.http.post("/customers", json={"name": "Chat Co", "plan": plan})
                ).json()["id"]
    opened = await api.http.post("/tickets", json={
        "customer_id": customer, "subject": "Webhook silent", "description": "no events",
        "severity": "major", "channel": "chat", "force_new": True})
    assert opened.status_code == 201, opened.text
    return str(opened.json()["id"])


async def _first_response(api: InProcessApi, ticket_id: str) -> dict[str, Any]:
    view = (await api.http.get(f"/tickets/{ticket_id}")).json()
    return next(clock for clock in view["clocks"] if clock["name"] == "first_response")


async def _kinds(api: InProcessApi, ticket_id: str) -> list[str]:
    return [event["kind"] for event in
            (await api.http.get(f"/tickets/{ticket_id}/timeline")).json()]


async def test_the_api_stops_the_first_response_only_on_an_investigation(
    dialog_api: InProcessApi,
) -> None:
    api = dialog_api
    body = api.openapi["components"]["schemas"]["Respond"]["properties"]
    assert "investigation" in body and "acknowledgement" in body["investigation"]["description"]
    ticket_id = await _ticket(api, "premium")
    answer = await api.http.post(f"/tickets/{ticket_id}/responses", json={
        "author": "ana", "body": "Thanks, we are on it"})
    assert answer.status_code == 200, answer.text
    assert (await _first_response(api, ticket_id))["state"] == "running"
    assert "acknowledgement" in await _kinds(api, ticket_id)
    both = await api.http.post(f"/tickets/{ticket_id}/responses", json={
        "author": "ana", "body": "x", "automatic": True, "investigation": True})
    assert both.status_code == 422, both.text
    answer = await api.http.post(f"/tickets/{ticket_id}/responses", json={
        "author": "ana", "body": "Your webhook answers 401 since 09:12: the token expired",
        "investigation": True})
    assert answer.status_code == 200, answer.text
    assert (await _first_response(api, ticket_id))["state"] == "met"
    assert "agent_response" in await _kinds(api, ticket_id)


async def test_the_console_offers_the_mark_and_honours_it(dialog_api: InProcessApi) -> None:
    api = dialog_api
    ticket_id = await _ticket(api, "premium")
    key = (await api.http.post("/keys", json={"role": "agent", "name": "Ana"})).json()["key"]
    browser = await signed_in(api, key)
    try:
        page = await browser.get(f"/queue/tickets/{ticket_id}")
        assert 'name="investigation"' in page.text
        posted = await browser.post(f"/queue/tickets/{ticket_id}/actions/respond", data={
            "form_token": form_token(page.text), "request_key": "k1",
            "body": "Got it, looking"})
        assert posted.status_code == 303, posted.text
        assert (await _first_response(api, ticket_id))["state"] == "running"
        page = await browser.get(f"/queue/tickets/{ticket_id}")
        posted = await browser.post(f"/queue/tickets/{ticket_id}/actions/respond", data={
            "form_token": form_token(page.text), "request_key": "k2",
            "body": "The token expired at 09:12; renew it in the hub", "investigation": "on"})
        assert posted.status_code == 303, posted.text
    finally:
        await browser.aclose()
    assert (await _first_response(api, ticket_id))["state"] == "met"
    assert (await _kinds(api, ticket_id)).count("acknowledgement") == 1


async def test_the_command_line_marks_an_investigation(
    dialog_api: InProcessApi, dialog_shell_settings: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    api = dialog_api
    ticket_id = await _ticket(api, "regular")
    assert await tickets_cli.change(ticket_id, "respond", "ana", ["body=On it"], None) == 0
    assert (await _first_response(api, ticket_id))["state"] == "running"
    assert await tickets_cli.change(ticket_id, "respond", "ana", [
        "body=Meta rejected the template: category mismatch", "investigation=true"],
        None) == 0
    assert (await _first_response(api, ticket_id))["state"] == "met"
    capsys.readouterr()


async def test_under_other_policies_any_response_is_a_first_response(
    api: InProcessApi,
) -> None:
    customer = (await api.http.post("/customers", json={"name": "Fast Co", "plan": "fast"})
                ).json()["id"]
    ticket_id = (await api.http.post("/tickets", json={
        "customer_id": customer, "subject": "s", "description": "d", "severity": "minor",
        "force_new": True})).json()["id"]
    browser = await signed_in(api, (await api.http.post("/keys", json={
        "role": "agent", "name": "Bo"})).json()["key"])
    try:
        page = await browser.get(f"/queue/tickets/{ticket_id}")
    finally:
        await browser.aclose()
    assert 'name="respond"' not in page.text and "/actions/respond" in page.text
    assert 'name="investigation"' not in page.text
    answer = await api.http.post(f"/tickets/{ticket_id}/responses", json={
        "author": "ana", "body": "Thanks, we are on it"})
    assert answer.status_code == 200, answer.text
    assert (await _first_response(api, ticket_id))["state"] == "met"

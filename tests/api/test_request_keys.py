"""A form posted twice (a double click, a browser's retry) and a JSON change retried with
the same Idempotency-Key are one change: the ticket records one response."""

from __future__ import annotations

import re

import httpx

from tests.support.in_process import InProcessApi, post_sign_in


async def responses_on(api: InProcessApi, ticket_id: str) -> list[str]:
    """The agent's responses and updates on the ticket's timeline, in order."""
    timeline = (await api.http.get(f"/tickets/{ticket_id}/timeline")).json()
    return [event["detail"] for event in timeline
            if event["kind"] in ("agent_response", "agent_update")]


async def open_ticket(api: InProcessApi) -> str:
    customer = (await api.http.post("/customers", json={"name": "Clicks Co", "plan": "fast"})
                ).json()["id"]
    opened = await api.http.post("/tickets", json={
        "customer_id": customer, "subject": "Double click", "description": "d",
        "severity": "minor", "force_new": True})
    assert opened.status_code == 201, opened.text
    return str(opened.json()["id"])


async def test_a_double_click_on_respond_records_one_response(api: InProcessApi) -> None:
    ticket_id = await open_ticket(api)
    key = (await api.http.post("/keys", json={"role": "agent", "name": "Ana"})).json()["key"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api.app),
                                 base_url="http://api.test") as browser:
        assert (await post_sign_in(browser, key)).status_code == 303
        page = (await browser.get(f"/queue/tickets/{ticket_id}")).text
        form = re.search(r'action="[^"]*/actions/respond">(.*?)</form>', page)
        assert form is not None, page
        hidden = dict(re.findall(r'name="(form_token|request_key)" value="([^"]+)"',
                                 form.group(1)))
        assert set(hidden) == {"form_token", "request_key"}
        other_keys = re.findall(r'name="request_key" value="([^"]+)"', page)
        assert len(set(other_keys)) == len(other_keys) > 1, "every form has a key of its own"
        post = {**hidden, "body": "Looking at the MTA logs"}
        first = await browser.post(f"/queue/tickets/{ticket_id}/actions/respond", data=post)
        second = await browser.post(f"/queue/tickets/{ticket_id}/actions/respond", data=post)
        assert first.status_code == second.status_code == 303, (first.text, second.text)
        # The same words from a form rendered again are a second response, as they should be.
        again = re.search(r'action="[^"]*/actions/respond">.*?name="request_key" value="([^"]+)"',
                          (await browser.get(f"/queue/tickets/{ticket_id}")).text)
        assert again is not None and again.group(1) != hidden["request_key"]
        third = await browser.post(f"/queue/tickets/{ticket_id}/actions/respond",
                                   data={**post, "request_key": again.group(1)})
        assert third.status_code == 303
    assert await responses_on(api, ticket_id) == ["Looking at the MTA logs"] * 2


async def test_a_json_change_retried_with_its_idempotency_key_applies_once(
    api: InProcessApi,
) -> None:
    ticket_id = await open_ticket(api)
    body = {"author": "ana", "body": "Restarted the pool"}
    headers = {"Idempotency-Key": "resp-1"}
    first = await api.http.post(f"/tickets/{ticket_id}/responses", json=body, headers=headers)
    second = await api.http.post(f"/tickets/{ticket_id}/responses", json=body, headers=headers)
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    plain = await api.http.post(f"/tickets/{ticket_id}/responses", json=body)
    assert plain.status_code == 200
    assert await responses_on(api, ticket_id) == ["Restarted the pool"] * 2

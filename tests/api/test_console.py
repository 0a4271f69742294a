"""The console's forms, in-process: every agent action and every customer action goes
through the ticket's workflow; the queue's filters; a session that sat idle too long."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from sqlmodel import Session, col, select

from store.db import make_engine
from store.keys import find_key
from store.models import WebSession
from store.web_sessions import find_session, start_session
from tests.support.in_process import InProcessApi, form_token, signed_in


async def new_ticket(api: InProcessApi, customer_id: int, severity: str = "major") -> str:
    opened = await api.http.post("/tickets", json={
        "customer_id": customer_id, "subject": f"Sync stopped {severity}", "force_new": True,
        "description": "since the upgrade", "severity": severity})
    assert opened.status_code == 201, opened.text
    ticket_id: str = opened.json()["id"]
    return ticket_id


async def test_every_agent_action_goes_through_the_workflow(api: InProcessApi) -> None:
    customer = (await api.http.post("/customers", json={
        "name": "Forms Co", "plan": "fast", "tam_name": "Tess",
        "tam_email": "t@example.com"})).json()["id"]
    ticket_id = await new_ticket(api, customer)
    key = (await api.http.post("/keys", json={"role": "agent", "name": "Ana"})).json()["key"]
    browser = await signed_in(api, key)
    page = f"/queue/tickets/{ticket_id}"
    token = form_token((await browser.get(page)).text)
    actions = [
        ("respond", {"body": "Looking into it"}),
        ("update-interval", {"interval": "2h"}),
        ("severity", {"severity": "critical"}),
        ("type", {"type": "configuration"}),
        ("status", {"status": "waiting_on_customer"}),
        ("status", {"status": "open"}),
        ("resolution", {"summary": "Re-run the sync"}),
    ]
    for action, fields in actions:
        answer = await browser.post(f"{page}/actions/{action}",
                                    data={**fields, "form_token": token})
        assert answer.status_code == 303, (action, answer.text)
        assert answer.headers["Location"] == f"{page}?done={action}"
    view = (await api.http.get(f"/tickets/{ticket_id}")).json()
    assert (view["severity"], view["type"], view["status"]) == (
        "critical", "configuration", "resolution_proposed")
    kinds = [event["kind"] for event in (await api.http.get(
        f"/tickets/{ticket_id}/timeline")).json()]
    assert "agent_response" in kinds and "status_resolution_proposed" in kinds
    # A request that waits for a support slot, covered by hand from its page.
    slotted = (await api.http.post("/customers", json={"name": "Slot Forms Co",
                                                       "plan": "slotted"})).json()["id"]
    waiting = await new_ticket(api, slotted)
    covered = await browser.post(f"/queue/tickets/{waiting}/actions/cover",
                                 data={"reason": "goodwill", "form_token": token})
    assert covered.status_code == 303, covered.text
    coverage = (await api.http.get(f"/tickets/{waiting}")).json()["coverage"]
    assert coverage["covered"] and coverage["label"] == "covered by Ana: goodwill"
    # A form that names nothing the workflow knows is answered on the page, not a 500.
    wrong = await browser.post(f"{page}/actions/update-interval",
                               data={"interval": "soon", "form_token": token})
    assert wrong.status_code == 422 and "update-interval:" in wrong.text
    await browser.aclose()


async def test_a_customer_replies_confirms_rates_and_reopens(api: InProcessApi) -> None:
    customer = (await api.http.post("/customers", json={
        "name": "Customer Forms Co", "plan": "fast", "tam_name": "Tess",
        "tam_email": "t@example.com"})).json()["id"]
    ticket_id = await new_ticket(api, customer)
    key = (await api.http.post("/keys", json={"role": "customer", "name": "Rita",
                                              "customer_id": customer})).json()["key"]
    browser = await signed_in(api, key)
    page = f"/my/tickets/{ticket_id}"
    token = form_token((await browser.get(page)).text)

    async def act(action: str, **fields: str) -> httpx.Response:
        return await browser.post(f"{page}/actions/{action}", data={**fields, "form_token": token})

    assert (await act("reply", body="Only CSV exports fail")).status_code == 303
    await api.http.post(f"/tickets/{ticket_id}/resolution",
                        json={"author": "ana", "summary": "Fixed the exporter"})
    assert (await act("confirm", comment="Works now")).status_code == 303
    assert (await act("rate", rating="4", comment="quick")).status_code == 303
    again = await act("rate", rating="5")
    assert again.status_code == 409 and "refused" in again.text  # once per closure
    assert (await act("reopen", reason="It broke again")).status_code == 303
    view = (await api.http.get(f"/tickets/{ticket_id}")).json()
    assert view["status"] == "open" and view["feedback"][0]["rating"] == 4
    await browser.aclose()


async def test_the_queue_filters(api: InProcessApi) -> None:
    first = (await api.http.post("/customers", json={
        "name": "Filter Alpha", "plan": "fast", "tam_name": "Tess",
        "tam_email": "t@example.com"})).json()["id"]
    second = (await api.http.post("/customers", json={
        "name": "Filter Beta", "plan": "fast", "tam_name": "Tess",
        "tam_email": "t@example.com"})).json()["id"]
    alpha, beta = await new_ticket(api, first, "minor"), await new_ticket(api, second, "major")
    key = (await api.http.post("/keys", json={"role": "agent", "name": "Ana"})).json()["key"]
    browser = await signed_in(api, key)

    async def listed(**filters: str) -> set[str]:
        html = (await browser.get("/queue", params=filters)).text
        return set(re.findall(r'data-ticket="([^"]+)"', html))

    assert {alpha, beta} <= await listed()
    assert await listed(customer="Filter Alpha") == {alpha}
    assert beta in await listed(severity="major") and alpha not in await listed(severity="major")
    assert not {alpha, beta} & await listed(breached="yes")
    assert not {alpha, beta} & await listed(mine="yes")  # nobody assigned them to Ana
    assert not {alpha, beta} & await listed(status="waiting_on_customer")
    await browser.aclose()


async def test_a_session_idle_too_long_has_ended(api: InProcessApi) -> None:
    key = (await api.http.post("/keys", json={"role": "agent", "name": "Idle"})).json()["key"]
    engine = make_engine(api.settings.database_url)
    with Session(engine) as session:
        found = find_key(session, key)
        assert found is not None
        _row, token = start_session(session, found)
        idle, lifetime = timedelta(minutes=30), timedelta(hours=12)
        later = datetime.now(UTC) + timedelta(minutes=29)
        assert find_session(session, token, idle, lifetime, now=later) is not None  # renewed
        assert find_session(session, token, idle, lifetime,
                            now=later + timedelta(minutes=29)) is not None
        assert find_session(session, token, idle, lifetime,
                            now=later + timedelta(minutes=60)) is None
        assert find_session(session, token, idle, lifetime,
                            now=later + timedelta(minutes=61)) is None
    engine.dispose()


async def test_a_session_used_all_day_ends_at_its_maximum_lifetime(api: InProcessApi) -> None:
    key = (await api.http.post("/keys", json={"role": "agent", "name": "Busy"})).json()["key"]
    engine = make_engine(api.settings.database_url)
    with Session(engine) as session:
        found = find_key(session, key)
        assert found is not None
        _row, token = start_session(session, found)
        idle, lifetime = timedelta(minutes=30), timedelta(hours=12)
        start = datetime.now(UTC)
        # The queue's refresh uses it every few seconds: never idle, still only 12 hours.
        for minutes in range(20, 12 * 60, 20):
            assert find_session(session, token, idle, lifetime,
                                now=start + timedelta(minutes=minutes)) is not None, minutes
        assert find_session(session, token, idle, lifetime,
                            now=start + timedelta(hours=12, minutes=1)) is None
        # Ended for good: going back in time does not revive it.
        assert find_session(session, token, idle, lifetime,
                            now=start + timedelta(hours=1)) is None
    engine.dispose()


async def test_the_queue_refresh_does_not_outlive_the_session(api: InProcessApi) -> None:
    key = (await api.http.post("/keys", json={"role": "agent", "name": "Refresh"})).json()["key"]
    browser = await signed_in(api, key)
    assert (await browser.get("/queue")).status_code == 200
    engine = make_engine(api.settings.database_url)
    with Session(engine) as session:
        row = session.exec(select(WebSession).order_by(col(WebSession.id).desc())).first()
        assert row is not None
        # Signed in 13 hours ago and used just now (the refresh): past the 12 hour default.
        row.created_at = datetime.now(UTC) - timedelta(hours=13)
        row.last_seen_at = datetime.now(UTC)
        session.add(row)
        session.commit()
    engine.dispose()
    refreshed = await browser.get("/queue")
    assert refreshed.status_code == 303
    assert refreshed.headers["location"].startswith("/sign-in?next=")
    assert (await browser.get("/")).headers["location"] == "/sign-in"
    await browser.aclose()

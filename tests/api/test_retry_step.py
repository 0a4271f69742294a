"""An operator retries a failing step once its cause is fixed: from the ticket's page, from
the command line or through the JSON API, the write is tried at once instead of after its
pause, and a retry with nothing failing is refused on every door."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from cli import tickets as tickets_cli
from store.db import make_engine
from tests.support.database import allow_ticket_writes, refuse_ticket_writes
from tests.support.in_process import InProcessApi, form_token, signed_in
from tests.support.stack import wait_for


@pytest.fixture
def database(api: InProcessApi) -> Iterator[Engine]:
    engine = make_engine(api.settings.database_url)
    yield engine
    allow_ticket_writes(engine)
    engine.dispose()


async def failing_ticket(api: InProcessApi, engine: Engine, name: str) -> str:
    """A ticket whose row the database refuses from its first reply on."""
    customer = (await api.http.post("/customers", json={"name": name, "plan": "fast"})
                ).json()["id"]
    ticket_id: str = (await api.http.post("/tickets", json={
        "customer_id": customer, "subject": "Exports fail", "description": "since 9",
        "severity": "minor", "force_new": True})).json()["id"]
    refuse_ticket_writes(engine)
    replied = await api.http.post(f"/tickets/{ticket_id}/replies", json={"body": "still"})
    assert replied.status_code == 200, replied.text
    failing = replied.json()["failing_step"]
    assert failing["step"] == "record_ticket" and "disk is full" in failing["error"]
    return ticket_id


async def written_after_retry(api: InProcessApi, ticket_id: str) -> list[str]:
    """The ticket's timeline as the database holds it, once it holds the retry."""
    async def kinds() -> list[str] | None:
        written = [event["kind"] for event in (await api.http.get(
            f"/tickets/{ticket_id}/timeline")).json()]
        return written if "step_retry_asked" in written else None

    written: list[str] = await wait_for(kinds, timeout=40)
    return written


async def test_an_operator_retries_the_failing_write_from_the_ticket_page(
    api: InProcessApi, database: Engine,
) -> None:
    ticket_id = await failing_ticket(api, database, "Retry Page Co")
    key = (await api.http.post("/keys", json={"role": "agent", "name": "Olga"})).json()["key"]
    browser = await signed_in(api, key)
    page = f"/queue/tickets/{ticket_id}"
    html = (await browser.get(page)).text
    assert 'id="failing-step"' in html and "disk is full" in html
    assert f'action="{page}/actions/retry"' in html and "Retry record ticket now" in html
    next_try = (await api.http.get(f"/tickets/{ticket_id}")).json()["failing_step"]["retry_at"]

    allow_ticket_writes(database)
    retried = await browser.post(f"{page}/actions/retry", data={"form_token": form_token(html)})
    assert retried.status_code == 303, retried.text
    kinds = await written_after_retry(api, ticket_id)
    # Written at once, before the try its pause had planned (a minute after the failure).
    assert datetime.now(UTC) < datetime.fromisoformat(next_try)
    assert kinds[-2:] == ["customer_reply", "step_retry_asked"]
    html = (await browser.get(page)).text
    assert 'id="failing-step"' not in html and "/actions/retry" not in html
    timeline = (await api.http.get(f"/tickets/{ticket_id}/timeline")).json()
    assert [(event["actor"], event["detail"].split(" (")[0]) for event in timeline
            if event["kind"] == "step_retry_asked"] == [("Olga", "record_ticket tried again now")]


async def test_the_cli_and_the_api_retry_the_same_way_and_refuse_when_nothing_fails(
    api: InProcessApi, database: Engine, shell_settings: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ticket_id = await failing_ticket(api, database, "Retry Shell Co")
    # Retried before the cause is fixed: the try fails again, and says so.
    assert await tickets_cli.change(ticket_id, "retry", "ops", [], None) == 0
    out = capsys.readouterr().out
    assert f"{ticket_id}: retry done" in out and "record_ticket failing since" in out

    allow_ticket_writes(database)
    assert await tickets_cli.change(ticket_id, "retry", "ops", [], None) == 0
    kinds = await written_after_retry(api, ticket_id)
    assert kinds.count("step_retry_asked") == 2
    async def written() -> bool:
        return (await api.http.get(f"/tickets/{ticket_id}")).json()["failing_step"] is None

    await wait_for(written, timeout=10)

    # Nothing is failing now: every door refuses the retry with the same reason.
    refused = await api.http.post(f"/tickets/{ticket_id}/retries", json={"by": "ops"})
    assert refused.status_code == 409
    assert "no step of this ticket is failing" in refused.json()["detail"]
    assert await tickets_cli.change(ticket_id, "retry", "ops", [], None) == 1
    assert "retry refused: no step of this ticket is failing" in capsys.readouterr().err

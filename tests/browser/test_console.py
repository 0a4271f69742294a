"""The console as people use it: they sign in through the form with their own key (no
header is ever injected), work tickets, and sign out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from store.db import make_engine
from tests.support.browser import UiStack, new_key, sign_in
from tests.support.database import allow_ticket_writes, refuse_ticket_writes

pytestmark = pytest.mark.browser


async def customer_with_ticket(stack: UiStack, name: str,
                               severity: str = "minor") -> tuple[int, str]:
    customer = (await stack.http.post("/customers", json={
        "name": name, "plan": "fast", "tam_name": "Tess", "tam_email": "t@example.com",
        "email": f"desk@{name.lower().replace(' ', '-')}.example"})).json()
    ticket = (await stack.http.post("/tickets", json={
        "customer_id": customer["id"], "subject": f"Exports fail at {name}",
        "description": "since 9:00", "severity": severity, "force_new": True})).json()
    return customer["id"], ticket["id"]


async def test_an_agent_answers_a_ticket_and_sees_the_first_response_met(
    browser: Browser, ui_stack: UiStack, artifacts: Path
) -> None:
    _customer, ticket_id = await customer_with_ticket(ui_stack, "Console Co")
    context, page = await sign_in(browser, ui_stack, await new_key(ui_stack, "agent", "Ana"))
    await expect(page.get_by_text("signed in as Ana")).to_be_visible()
    await page.screenshot(path=str(artifacts / "console-queue.png"), full_page=True)
    await page.get_by_role("link", name=ticket_id).click()
    await page.get_by_label("Response or update").fill("We are looking at the exports.")
    await page.get_by_role("button", name="Respond").click()
    await expect(page.get_by_text("Done: respond.")).to_be_visible()
    first_response = page.locator("#clocks tr", has=page.get_by_text("first_response",
                                                                      exact=True))
    await expect(first_response.locator("td").nth(2)).to_have_text("met")
    # Reloading after a post does not post again: the page was reached by a redirect.
    assert "/actions/" not in page.url
    await page.screenshot(path=str(artifacts / "console-ticket.png"), full_page=True)

    # An action the workflow refuses shows its reason in place, and changes nothing.
    await page.get_by_role("button", name="Log callback").click()
    await expect(page.locator("#refused")).to_contain_text("no callback is owed")
    timeline = (await ui_stack.http.get(f"/tickets/{ticket_id}/timeline")).json()
    assert not [event for event in timeline if event["kind"] == "callback_made"]
    await context.close()


async def test_acknowledging_a_page_stops_the_paging(browser: Browser,
                                                      ui_stack: UiStack) -> None:
    # A call from a number no customer has pages the on-call contact at once.
    called = await ui_stack.http.post("/emergency-calls", json={
        "company_name": "Stranger Ltd", "contact_name": "Sam",
        "contact_phone": "+441230099001", "contact_email": "sam@stranger.example",
        "description": "everything is down"})
    assert called.is_success, called.text
    ticket_id = called.json()["ticket_id"]
    context, page = await sign_in(browser, ui_stack, await new_key(ui_stack, "agent", "Ben"),
                                  start=f"/queue/tickets/{ticket_id}")
    await expect(page.locator("#paging")).to_contain_text("paging, level")
    await page.get_by_role("button", name="Acknowledge page").click()
    await expect(page.locator("#paging")).to_contain_text("acknowledged by Ben")
    await expect(page.locator("#paging")).to_contain_text("paging stopped")
    view = (await ui_stack.http.get(f"/tickets/{ticket_id}")).json()
    assert view["emergency"]["acknowledged_by"] == "Ben"
    assert view["emergency"]["next_page_at"] is None
    await context.close()


async def test_the_queue_updates_by_itself_when_a_deadline_passes(
    browser: Browser, ui_stack: UiStack
) -> None:
    context, page = await sign_in(browser, ui_stack, await new_key(ui_stack, "agent", "Cy"))
    # A critical ticket on the fast plan: its first response is due in 3 s.
    _customer, ticket_id = await customer_with_ticket(ui_stack, "Deadline Co", "critical")
    row = page.locator(f'tr[data-ticket="{ticket_id}"]')
    await expect(row).to_be_visible(timeout=20_000)  # it appeared without a reload
    await expect(row).to_have_class(re.compile(r"\bbreached\b"), timeout=30_000)
    await context.close()


async def test_a_customer_sees_only_their_own_tickets_and_no_internal_targets(
    browser: Browser, ui_stack: UiStack, artifacts: Path
) -> None:
    mine, own_ticket = await customer_with_ticket(ui_stack, "Own Co")
    _theirs, their_ticket = await customer_with_ticket(ui_stack, "Their Co")
    key = await new_key(ui_stack, "customer", "Rita", customer_id=mine)
    context, page = await sign_in(browser, ui_stack, key, start="/my/tickets")
    await expect(page.locator(f'tr[data-ticket="{own_ticket}"]')).to_be_visible()
    await expect(page.locator(f'tr[data-ticket="{their_ticket}"]')).to_have_count(0)
    await page.get_by_role("link", name=own_ticket).click()
    await page.get_by_label("Reply").fill("It fails for the CSV export only.")
    await page.get_by_role("button", name="Send reply").click()
    await expect(page.get_by_text("Done: reply.")).to_be_visible()
    await page.screenshot(path=str(artifacts / "console-customer.png"), full_page=True)
    # Another customer's ticket does not exist for this key; the agents' pages are closed.
    other = await page.goto(f"{ui_stack.api_url}/my/tickets/{their_ticket}")
    assert other is not None and other.status == 404
    queue = await page.goto(f"{ui_stack.api_url}/queue")
    assert queue is not None and queue.status == 403
    await context.close()


async def test_the_session_cookie_forms_sign_out_and_revocation(
    browser: Browser, ui_stack: UiStack
) -> None:
    _customer, ticket_id = await customer_with_ticket(ui_stack, "Cookie Co")
    key = await new_key(ui_stack, "agent", "Dee")
    context, page = await sign_in(browser, ui_stack, key)
    (cookie,) = [c for c in await context.cookies() if c["name"] == "sla_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert not cookie["secure"]  # plain http here; Secure over https (tests/api)

    # A form posted from another site: the browser keeps the Strict cookie to itself.
    forged = await context.new_page()
    await forged.set_content(
        f'<form method="post" action="{ui_stack.api_url}/queue/tickets/{ticket_id}/actions/'
        'respond"><input name="body" value="forged"></form>'
        "<script>document.forms[0].submit()</script>")
    await forged.wait_for_url(re.compile(r"/sign-in"))
    # And one of ours without the page's form token is refused too.
    await page.goto(f"{ui_stack.api_url}/queue/tickets/{ticket_id}")
    status = await page.evaluate(
        """async url => (await fetch(url, {method: "POST", body: new URLSearchParams(
               {body: "no token"})})).status""",
        f"{ui_stack.api_url}/queue/tickets/{ticket_id}/actions/respond")
    assert status == 403
    timeline = (await ui_stack.http.get(f"/tickets/{ticket_id}/timeline")).json()
    assert not [event for event in timeline if event["kind"] == "agent_response"]
    # The JSON API does not take the cookie: a write needs the key itself.
    api_write = await page.evaluate(
        """async url => (await fetch(url, {method: "POST", headers: {"Content-Type":
               "application/json"}, body: JSON.stringify({author: "x", body: "y"})})).status""",
        f"{ui_stack.api_url}/tickets/{ticket_id}/responses")
    assert api_write == 401

    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(re.compile(r"/sign-in$"))
    await page.goto(f"{ui_stack.api_url}/queue")
    await expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    await context.close()

    # Revoking the key ends its sessions at once.
    context, page = await sign_in(browser, ui_stack, key)
    keys = (await ui_stack.http.get("/keys")).json()
    key_id = next(row["id"] for row in keys if row["name"] == "Dee")
    assert (await ui_stack.http.delete(f"/keys/{key_id}")).is_success
    await page.reload()
    await expect(page).to_have_url(re.compile(r"/sign-in\?next="))

    await context.close()



async def test_an_operator_sees_a_failing_step_and_retries_it_once_fixed(
    browser: Browser, ui_stack: UiStack, artifacts: Path
) -> None:
    _customer, ticket_id = await customer_with_ticket(ui_stack, "Failing Write Co")
    engine = make_engine(ui_stack.settings.database_url)
    # The database refuses this ticket's row from now on (a full disk, say).
    trigger = refuse_ticket_writes(engine, ticket_id)
    try:
        replied = await ui_stack.http.post(f"/tickets/{ticket_id}/replies",
                                           json={"body": "still failing"})
        assert replied.status_code == 200, replied.text
        context, page = await sign_in(browser, ui_stack, await new_key(ui_stack, "agent", "Olga"),
                                      start=f"/queue/tickets/{ticket_id}")
        failing = page.locator("#failing-step")
        await expect(failing).to_contain_text("record_ticket")
        await expect(failing).to_contain_text("database or disk is full")
        await expect(failing).to_contain_text("(1 round, next try")
        retry = page.get_by_role("button", name="Retry record ticket now")
        await expect(retry).to_be_visible()
        await page.screenshot(path=str(artifacts / "console-failing-step.png"), full_page=True)

        allow_ticket_writes(engine, trigger)
        await retry.click()
        await expect(page.locator("#failing-step")).to_have_count(0)
        await expect(page.get_by_role("button", name="Retry record ticket now")).to_have_count(0)
        timeline = (await ui_stack.http.get(f"/tickets/{ticket_id}/timeline")).json()
        assert [event["actor"] for event in timeline
                if event["kind"] == "step_retry_asked"] == ["Olga"]
        await context.close()
    finally:
        allow_ticket_writes(engine, trigger)
        engine.dispose()

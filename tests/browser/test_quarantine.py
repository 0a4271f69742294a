"""The inbound-mail quarantine in Chromium: an agent finds it from the queue's header,
sees who sent the mail and why it waits, and assigns it to the customer it is from."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.support.browser import UiStack, new_key, sign_in

pytestmark = pytest.mark.browser


async def test_an_agent_assigns_a_quarantined_mail_to_its_customer(
    browser: Browser, ui_stack: UiStack, artifacts: Path
) -> None:
    customer = (await ui_stack.http.post("/customers", json={
        "name": "Quarantine Co", "plan": "fast", "tam_name": "Tess",
        "tam_email": "t@example.com", "email": "desk@quarantine-co.example"})).json()
    ticket_id = (await ui_stack.http.post("/tickets", json={
        "customer_id": customer["id"], "subject": "Invoices missing", "description": "x",
        "severity": "minor", "force_new": True})).json()["id"]
    posted = await ui_stack.http.post("/inbound/email", json={
        "from": "Ana from Quarantine Co <ana@personal.example>", "message-id": "<qb1@x>",
        "subject": f"Re: [{ticket_id}] Invoices missing", "text": "Still missing today."})
    assert posted.status_code == 202, posted.text
    context, page = await sign_in(browser, ui_stack, await new_key(ui_stack, "agent", "Ana"))
    await page.get_by_role("link", name="quarantine").click()
    row = page.locator("tr.mail", has=page.get_by_text("ana@personal.example"))
    await expect(row.locator(".subject")).to_have_text(f"Re: [{ticket_id}] Invoices missing")
    await expect(row.locator(".reason")).to_have_text("unknown_sender")
    await page.screenshot(path=str(artifacts / "console-quarantine.png"), full_page=True)
    await row.get_by_label("Customer").select_option(str(customer["id"]))
    await row.get_by_role("button", name="Assign").click()
    await expect(page.get_by_text("Done: assign.")).to_be_visible()
    await expect(page.get_by_text("No mail in quarantine.")).to_be_visible()
    timeline = (await ui_stack.http.get(f"/tickets/{ticket_id}/timeline")).json()
    assert [event["kind"] for event in timeline].count("customer_reply") == 1
    await context.close()

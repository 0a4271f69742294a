"""Signing in under the console's Content-Security-Policy, in Chromium: the form (and its
sign-in token) works, the site's root leads each person home, and the queue's scripts
(the countdown and the 3-second refresh) run with no policy violation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, expect

from tests.support.browser import UiStack, new_key, sign_in

pytestmark = pytest.mark.browser


def collect_errors(page: Page) -> list[str]:
    """Console errors and uncaught exceptions (Chromium reports each CSP violation as one)."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


async def new_customer(stack: UiStack, name: str) -> int:
    created = await stack.http.post("/customers", json={
        "name": name, "plan": "fast", "tam_name": "Tess", "tam_email": "t@example.com"})
    assert created.status_code == 201, created.text
    customer_id: int = created.json()["id"]
    return customer_id


async def test_an_agent_signs_in_and_the_queue_refreshes_under_the_policy(
    browser: Browser, ui_stack: UiStack, artifacts: Path
) -> None:
    customer = await new_customer(ui_stack, "Policy Co")
    context, page = await sign_in(browser, ui_stack, await new_key(ui_stack, "agent", "Cass"))
    errors = collect_errors(page)
    await page.goto(f"{ui_stack.api_url}/")
    await expect(page).to_have_url(re.compile(r"/queue$"))
    await page.wait_for_load_state("networkidle")
    subject = "Opened after the queue was shown"
    opened = await ui_stack.http.post("/tickets", json={
        "customer_id": customer, "subject": subject, "description": "d",
        "severity": "critical", "force_new": True})
    assert opened.status_code == 201, opened.text
    # No reload: the refresh script brings the new row within a few seconds.
    await expect(page.locator("#queue").get_by_text(subject)).to_be_visible(timeout=15_000)
    # The countdown script runs too: the time left ticks down in place.
    left = page.locator("tr", has=page.get_by_text(subject)).locator("td[data-due]")
    shown = await left.text_content()
    await expect(left).not_to_have_text(shown or "")
    await page.screenshot(path=str(artifacts / "console-queue-under-csp.png"), full_page=True)
    # The page's own style applies (a nonce'd <style>, not blocked).
    weight = await page.locator("tr.breached .left, .sev-critical").first.evaluate(
        "cell => getComputedStyle(cell).fontWeight")
    assert weight == "600"
    assert errors == []
    await context.close()


async def test_a_customer_lands_on_their_own_tickets(
    browser: Browser, ui_stack: UiStack, artifacts: Path
) -> None:
    customer = await new_customer(ui_stack, "Own Pages Co")
    key = await new_key(ui_stack, "customer", "Dee", customer_id=customer)
    context = await browser.new_context(viewport={"width": 1200, "height": 800})
    page = await context.new_page()
    errors = collect_errors(page)
    # A link to a staff page: after signing in, their own tickets, not a refusal.
    await page.goto(f"{ui_stack.api_url}/queue")
    await expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    await page.screenshot(path=str(artifacts / "console-sign-in-under-csp.png"))
    await page.get_by_label("API key").fill(key)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(r"/my/tickets$"))
    await page.goto(f"{ui_stack.api_url}/")
    await expect(page).to_have_url(re.compile(r"/my/tickets$"))
    await page.screenshot(path=str(artifacts / "console-customer-home.png"), full_page=True)
    assert errors == []
    await context.close()


async def test_a_stranger_at_the_root_is_asked_to_sign_in(browser: Browser,
                                                          ui_stack: UiStack) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{ui_stack.api_url}/")
    await expect(page).to_have_url(re.compile(r"/sign-in$"))
    await expect(page.get_by_label("API key")).to_be_visible()
    await context.close()

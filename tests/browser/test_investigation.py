"""In a real browser under 360dialog's policy: the reply form asks whether the response is
the first investigation; an unmarked one is an acknowledgement and the first-response clock
keeps running, a marked one meets it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, expect

from stack.temporal import DevServer
from tests.support.browser import UiStack, new_key, sign_in
from tests.support.paths import ROOT
from tests.support.stack import running_api, running_worker, stack_settings

pytestmark = pytest.mark.browser


@pytest_asyncio.fixture
async def dialog_stack(dev_server: DevServer, tmp_path: Path) -> AsyncIterator[UiStack]:
    settings = stack_settings(dev_server, tmp_path,
                              sla_policy_file=ROOT / "policies" / "360dialog.toml")
    async with running_worker(settings), running_api(settings) as http:
        yield UiStack(http, settings, f"http://127.0.0.1:{settings.api_port}", "")


async def test_only_a_response_marked_as_an_investigation_meets_the_first_response(
    browser: Browser, dialog_stack: UiStack,
) -> None:
    stack = dialog_stack
    customer = (await stack.http.post("/customers", json={
        "name": "Chat Co", "plan": "premium"})).json()["id"]
    ticket_id = (await stack.http.post("/tickets", json={
        "customer_id": customer, "subject": "Webhook silent", "description": "no events",
        "severity": "major", "channel": "chat"})).json()["id"]
    context, page = await sign_in(browser, stack, await new_key(stack, "agent", "Ana"),
                                  start=f"/queue/tickets/{ticket_id}")
    first_response = page.locator("#clocks tr", has=page.get_by_text("first_response",
                                                                      exact=True))
    await page.get_by_label("Response or update").fill("Thanks, we are looking")
    await page.get_by_role("button", name="Respond").click()
    await expect(page.get_by_text("Done: respond.")).to_be_visible()
    await expect(first_response.locator("td").nth(2)).to_have_text("running")
    await expect(page.locator("#timeline")).to_contain_text("acknowledgement")

    await page.get_by_label("Response or update").fill("Your token expired at 09:12")
    await page.get_by_label("an investigation carried out").check()
    await page.get_by_role("button", name="Respond").click()
    await expect(first_response.locator("td").nth(2)).to_have_text("met")
    await context.close()

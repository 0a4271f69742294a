"""The console in a real browser (the ``browser`` and ``ui_stack`` fixtures,
``tests/browser/conftest.py``): the stack it runs against, a person's key, signing in."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import httpx
from playwright.async_api import Browser, BrowserContext, Page, expect

from config import Settings


@dataclass
class UiStack:
    http: httpx.AsyncClient
    settings: Settings
    api_url: str
    ui_url: str


async def new_key(stack: UiStack, role: str, name: str, customer_id: int | None = None) -> str:
    body: dict[str, object] = {"role": role, "name": name}
    if customer_id is not None:
        body["customer_id"] = customer_id
    created = await stack.http.post("/keys", json=body)
    assert created.status_code == 201, created.text
    key: str = created.json()["key"]
    return key


async def sign_in(browser: Browser, stack: UiStack, key: str,
                  start: str = "/queue") -> tuple[BrowserContext, Page]:
    """A fresh browser (no cookies) opens ``start``, is sent to the sign-in page, and signs
    in there as a person does."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    await page.goto(f"{stack.api_url}{start}")
    await expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    await page.get_by_label("API key").fill(key)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(re.escape(start) + r"$"))
    return context, page


#: What a person sets once in the Web UI's codec settings (the gear of "Codec Server"):
#: use this browser's setting, the API's endpoint, and "include cross-origin credentials",
#: so the UI's calls to the codec carry the console's session cookie. The dev server has no
#: flag for the last one, so the browser keeps it (the UI's own localStorage keys).
UI_CODEC_SETTINGS = """
if (location.origin === %(ui)s) {
  localStorage.setItem("overrideRemoteCodecConfiguration", "true");
  localStorage.setItem("endpoint", JSON.stringify(%(endpoint)s));
  localStorage.setItem("includeCredentials", "true");
}
"""


async def web_ui(browser: Browser, stack: UiStack,
                 key: str | None) -> tuple[BrowserContext, Page]:
    """A browser at the Temporal Web UI with its codec settings made: signed in to the
    console with ``key`` first (the codec server decrypts for staff only), or a stranger."""
    if key is None:
        context = await browser.new_context(viewport={"width": 1400, "height": 1000})
        page = await context.new_page()
    else:
        context, page = await sign_in(browser, stack, key)
    await context.add_init_script(UI_CODEC_SETTINGS % {
        "ui": json.dumps(stack.ui_url), "endpoint": json.dumps(f"{stack.api_url}/codec")})
    return context, page

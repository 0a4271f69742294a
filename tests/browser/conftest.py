"""Headless Chromium (Debian's package) driven by Playwright, against the real stack.

Playwright's own browser download cannot work here, so the tests launch the system
Chromium through ``executable_path``; where it is missing and we may install it
(root, apt-get) it is installed. Set SKIP_BROWSER_TESTS=1 to skip them explicitly where
no browser can be installed; otherwise a missing browser is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, async_playwright

from stack.temporal import DevServer, free_port
from tests.support.browser import UiStack
from tests.support.paths import ROOT
from tests.support.stack import running_api, running_worker, stack_settings

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    if os.environ.get("SKIP_BROWSER_TESTS") == "1":
        pytest.skip("SKIP_BROWSER_TESTS=1: browser tests skipped on purpose")
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], check=False,
                       capture_output=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        found = shutil.which("chromium")
    if found is None:
        pytest.fail("Chromium is missing and could not be installed; set SKIP_BROWSER_TESTS=1 "
                    "to skip the browser tests on purpose")
    return found


@pytest_asyncio.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    executable = chromium_path()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable,
                                                    args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(scope="session")
async def ui_stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[UiStack]:
    """The dev server with its Web UI, a worker and the API."""
    data = tmp_path_factory.mktemp("ui")
    ui_port, api_port = free_port(), free_port()
    # As `make run` does: the UI decrypts payloads through the API's codec server, which
    # answers signed-in staff from the UI's origin only.
    server = DevServer(data / "temporal.db", free_port(), ui_port=ui_port,
                       log_file=data / "temporal.log",
                       codec_endpoint=f"http://127.0.0.1:{api_port}/codec")
    await server.start()
    ui_url = f"http://127.0.0.1:{ui_port}"
    settings = stack_settings(server, data, temporal_ui_url=ui_url, api_port=api_port,
                              codec_cors_origins=ui_url)
    try:
        async with running_worker(settings), running_api(settings) as http:
            yield UiStack(http, settings, f"http://127.0.0.1:{settings.api_port}", ui_url)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS

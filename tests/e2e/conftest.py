"""The real stack: Temporal's dev server, the worker and the API on real ports."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from stack.temporal import DevServer
from tests.support.stack import Stack, running_api, running_worker, stack_settings


@pytest_asyncio.fixture(scope="session")
async def stack(
    dev_server: DevServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    settings = stack_settings(dev_server, tmp_path_factory.mktemp("stack"))
    async with running_worker(settings), running_api(settings) as http:
        yield Stack(http, settings)

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from store.db import SessionFactory
from tests.workflows.harness import Harness, running_harness


@pytest_asyncio.fixture
async def harness(
    time_skipping_env: WorkflowEnvironment,
    sessions: SessionFactory,
    task_queue: str,
    activity_executor: ThreadPoolExecutor,
) -> AsyncIterator[Harness]:
    async with running_harness(time_skipping_env, sessions, task_queue, activity_executor) as h:
        yield h

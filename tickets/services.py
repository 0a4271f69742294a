"""What the use cases work with, built once per process (the API's lifespan, a command)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from temporalio.client import Client, WorkflowHandle

from config import Settings
from sla.policy.rules import Policy

#: How long a caller that has waited already waits for a workflow's progress: a worker
#: too busy to finish is too busy to answer at length.
PROGRESS_QUERY_SECONDS = 2.0

Result = TypeVar("Result")


@dataclass
class AppResources:
    """Built once in the app's lifespan: one engine, one Temporal client, one policy."""

    settings: Settings
    engine: Engine
    temporal: Client
    policy: Policy

    @property
    def wait(self) -> timedelta:
        """How long a use case waits for the ticket's worker before answering without it."""
        return timedelta(seconds=self.settings.worker_wait_seconds)


async def result_or_progress(handle: WorkflowHandle[Any, Result],
                             progress: Callable[[], Awaitable[Result]], wait: timedelta,
                             unknown: Result) -> tuple[bool, Result]:
    """Wait up to ``wait`` for a workflow's result: whether it finished, and its result or
    its progress so far (``unknown`` when its worker does not answer the query either). The
    workflow goes on after ``wait`` whatever happens to the caller."""
    try:
        return True, await asyncio.wait_for(asyncio.shield(handle.result()),
                                            timeout=wait.total_seconds())
    except TimeoutError:
        pass
    try:
        return False, await asyncio.wait_for(progress(), timeout=PROGRESS_QUERY_SECONDS)
    except TimeoutError:
        return False, unknown

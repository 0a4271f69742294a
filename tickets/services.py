"""What the use cases work with, built once per process (the API's lifespan, a command)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.engine import Engine
from temporalio.client import Client

from config import Settings
from sla.policy.rules import Policy

#: How long a caller that has waited already waits for a workflow's progress: a worker
#: too busy to finish is too busy to answer at length.
PROGRESS_QUERY_SECONDS = 2.0


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

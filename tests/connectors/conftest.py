"""The connectors' fixtures: a real Request Tracker 5 for the session
(tests/support/request_tracker.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.request_tracker import RequestTracker, temporary_request_tracker


@pytest.fixture(scope="session")
def rt() -> Iterator[RequestTracker]:
    with temporary_request_tracker() as server:
        yield server

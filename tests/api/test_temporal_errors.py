"""Temporal's own words stay in the log: a client reads a short text of ours with a
reference to find them there, and a ticket's own refusals keep their words."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI
from temporalio.client import WorkflowQueryFailedError, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.errors import install_error_handlers
from tickets.errors import Refused, Unavailable, from_update_failure
from workflows.ticket import REFUSED

pytestmark = pytest.mark.pure

#: What Temporal might say: its namespace, hosts and internals are none of a client's business.
TEMPORAL_TEXT = "namespace sla-prod-7 on frontend 10.0.3.4:7233: shard 12 ownership lost"


def failing_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/unavailable")
    async def unavailable() -> None:
        raise RPCError(TEMPORAL_TEXT, RPCStatusCode.UNAVAILABLE, b"")

    @app.get("/invalid")
    async def invalid() -> None:
        raise RPCError(TEMPORAL_TEXT, RPCStatusCode.INVALID_ARGUMENT, b"")

    @app.get("/query")
    async def query() -> None:
        raise WorkflowQueryFailedError(TEMPORAL_TEXT)

    return app


def reference_in(text: str) -> str:
    found = re.search(r"reference ([0-9a-f]{12})", text)
    assert found is not None, text
    return found.group(1)


@pytest.mark.parametrize(("path", "status"), [("/unavailable", 503), ("/invalid", 422),
                                              ("/query", 503)])
async def test_a_client_gets_our_words_and_the_log_gets_temporals(
    path: str, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    transport = httpx.ASGITransport(app=failing_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
        response = await http.get(path)
    assert response.status_code == status
    detail = response.json()["detail"]
    assert "sla-prod-7" not in detail and "10.0.3.4" not in detail and "shard" not in detail
    reference = reference_in(detail)
    [logged] = [record.getMessage() for record in caplog.records if reference in
                record.getMessage()]
    assert TEMPORAL_TEXT in logged


def test_a_tickets_own_refusal_keeps_its_words() -> None:
    failure = WorkflowUpdateFailedError(ApplicationError("the ticket is closed", type=REFUSED))
    error = from_update_failure(failure, "TCK-1")
    assert isinstance(error, Refused) and error.detail == "the ticket is closed"


def test_any_other_update_failure_names_the_ticket_not_temporals_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    failure = WorkflowUpdateFailedError(ApplicationError(
        f"Traceback (most recent call last): {TEMPORAL_TEXT}", type="NondeterminismError"))
    error = from_update_failure(failure, "TCK-1")
    assert isinstance(error, Unavailable)
    assert "TCK-1" in error.detail and "Traceback" not in error.detail
    reference = reference_in(error.detail)
    assert any(reference in record.getMessage() and TEMPORAL_TEXT in record.getMessage()
               for record in caplog.records)

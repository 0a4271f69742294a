"""Structured logs: JSON lines, and lines about a ticket name the ticket and its run."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import replace

import pytest
from starlette.types import Message, Receive, Scope, Send
from temporalio import activity
from temporalio.testing import ActivityEnvironment

import logs
from api.log_context import TicketLogContext

pytestmark = pytest.mark.pure


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    stream = io.StringIO()
    logs.configure("INFO", "json", stream)
    yield stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved:
        root.addHandler(handler)
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_a_line_written_in_an_activity_names_the_ticket_and_run(
    captured: io.StringIO,
) -> None:
    @activity.defn
    async def deliver() -> None:
        logging.getLogger("channels.email").info("sent to %s", "tess@example.com")
        activity.logger.warning("slow provider")

    environment = ActivityEnvironment()
    environment.info = replace(environment.info, workflow_id="TCK-4711", workflow_run_id="run-1")
    await environment.run(deliver)
    sent, slow = lines(captured)
    assert sent["message"] == "sent to tess@example.com"
    assert (sent["ticket_id"], sent["run_id"], sent["logger"]) == ("TCK-4711", "run-1",
                                                                   "channels.email")
    assert (slow["ticket_id"], slow["run_id"], slow["level"]) == ("TCK-4711", "run-1", "WARNING")


def test_a_workflow_logger_line_names_the_ticket_and_run(captured: io.StringIO) -> None:
    # What workflow.logger attaches to its records.
    logging.getLogger("temporalio.workflow").warning(
        "could not link", extra={"temporal_workflow": {"workflow_id": "TCK-9", "run_id": "r9"}})
    (line,) = lines(captured)
    assert (line["ticket_id"], line["run_id"]) == ("TCK-9", "r9")


def test_a_line_outside_any_ticket_has_no_ticket_fields_and_keeps_exceptions(
    captured: io.StringIO,
) -> None:
    try:
        raise ValueError("bad policy")
    except ValueError:
        logging.getLogger("stack").exception("start-up failed")
    (line,) = lines(captured)
    assert "ticket_id" not in line and "run_id" not in line
    assert line["message"] == "start-up failed"
    assert "ValueError: bad policy" in line["exception"]


async def test_a_line_written_while_the_api_serves_a_ticket_names_it(
    captured: io.StringIO,
) -> None:
    async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        logging.getLogger("api").info("answered")

    app = TicketLogContext(endpoint)
    for path in ("/tickets/TCK-77/responses", "/queue/tickets/TCK-78", "/customers/3"):
        await app({"type": "http", "path": path}, _no_receive, _no_send)
    about_ticket, on_queue_page, elsewhere = lines(captured)
    assert about_ticket["ticket_id"] == "TCK-77" and "run_id" not in about_ticket
    assert on_queue_page["ticket_id"] == "TCK-78"
    assert "ticket_id" not in elsewhere
    # The id does not leak into lines written after the request.
    logging.getLogger("api").info("later")
    assert "ticket_id" not in lines(captured)[-1]


async def _no_receive() -> Message:
    raise AssertionError("not read")


async def _no_send(message: Message) -> None:
    raise AssertionError("nothing sent")

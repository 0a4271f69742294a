"""Logging for the worker, the API and ``make run``: one JSON object per line
(``LOG_FORMAT=json``) or plain text. A line written while a ticket's workflow or one of
its activities runs carries the ticket id and the workflow run id; a line written while
the API serves a request about a ticket (``/tickets/{id}/...``) carries the ticket id."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

from temporalio import activity

#: The ticket the API request being served is about (set by ``api.log_context``).
request_ticket: ContextVar[str | None] = ContextVar("request_ticket", default=None)


class TicketContext(logging.Filter):
    """Adds ``ticket_id`` and ``run_id`` (None outside a ticket) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "ticket_id", None) is None:
            record.ticket_id, record.run_id = _ticket_of(record)
        return True


def _ticket_of(record: logging.LogRecord) -> tuple[str | None, str | None]:
    # workflow.logger and activity.logger attach these details themselves.
    workflow_details: Any = getattr(record, "temporal_workflow", None)
    if isinstance(workflow_details, dict):
        return workflow_details.get("workflow_id"), workflow_details.get("run_id")
    activity_details: Any = getattr(record, "temporal_activity", None)
    if isinstance(activity_details, dict):
        return activity_details.get("workflow_id"), activity_details.get("workflow_run_id")
    # Any other logger (a channel, SQLAlchemy) inside an activity: the activity's ticket.
    if activity.in_activity():
        info = activity.info()
        return info.workflow_id, info.workflow_run_id
    # The API knows the ticket from the path; its run is the worker's business.
    return request_ticket.get(), None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("ticket_id", "run_id"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def uvicorn_log_config(level: str, format: str = "json") -> dict[str, Any]:
    """``log_config`` for uvicorn: every API process (``--workers N`` starts each afresh)
    writes our lines, uvicorn's own and its access log included."""
    line: dict[str, Any] = {"()": "logs.JsonFormatter"} if format == "json" else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"ticket": {"()": "logs.TicketContext"}},
        "formatters": {"line": line},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                                "filters": ["ticket"], "formatter": "line"}},
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        # uvicorn's loggers hand their lines to the root handler instead of their own.
        "loggers": {name: {"handlers": [], "propagate": True}
                    for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
    }


def configure(level: str, format: str = "json", stream: IO[str] | None = None) -> None:
    """Replace the root logger's handlers with one that writes ``format`` to ``stream``."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(TicketContext())
    handler.setFormatter(JsonFormatter() if format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())

"""The API's Prometheus metrics: the open tickets, read from the projection at each
scrape (so every API replica reports the same figures), and the API's own requests."""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sla.policy.snapshot import SEVERITIES
from sla.ticket.state import STATUSES
from sla.vocabulary import TicketStatus
from store.models import TICKETS

OPEN_STATUSES = tuple(status for status in STATUSES if status != TicketStatus.CLOSED)
#: Any other method a client sends counts as "other": a label never takes arbitrary input.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class OpenTickets(Collector):
    """``sla_open_tickets{severity,status}`` and ``sla_open_tickets_breached{severity}``,
    zero included, so an alert on "no breached critical ticket" has a series to read."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        query = (select(TICKETS.c.severity, TICKETS.c.status, TICKETS.c.breached, func.count())
                 .where(TICKETS.c.status != TicketStatus.CLOSED)
                 .group_by(TICKETS.c.severity, TICKETS.c.status, TICKETS.c.breached))
        by_status = {(severity, status): 0 for severity in SEVERITIES for status in OPEN_STATUSES}
        breached = dict.fromkeys(SEVERITIES, 0)
        with self.engine.connect() as connection:
            for severity, status, is_breached, count in connection.execute(query):
                by_status[(severity, status)] = by_status.get((severity, status), 0) + count
                if is_breached:
                    breached[severity] = breached.get(severity, 0) + count
        open_tickets = GaugeMetricFamily("sla_open_tickets", "Tickets not closed, by severity and status",
                                         labels=["severity", "status"])
        for (severity, status), count in sorted(by_status.items()):
            open_tickets.add_metric([severity, status], count)
        yield open_tickets
        breached_tickets = GaugeMetricFamily(
            "sla_open_tickets_breached", "Tickets not closed with at least one breached clock",
            labels=["severity"])
        for severity, count in sorted(breached.items()):
            breached_tickets.add_metric([severity], count)
        yield breached_tickets


class ApiMetrics:
    """One registry per app (tests run several apps in one process)."""

    def __init__(self, engine: Engine) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(OpenTickets(engine))
        ProcessCollector(registry=self.registry)
        self.requests = Counter("sla_api_requests", "API requests by route template and status",
                                ["method", "route", "status"], registry=self.registry)
        self.request_seconds = Histogram("sla_api_request_duration_seconds",
                                         "API request duration by route template",
                                         ["method", "route"], registry=self.registry)


class RequestMetrics:
    """Counts each request under its route template (``/tickets/{ticket_id}``), never its
    raw path, so a ticket id never becomes a label."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            metrics: ApiMetrics | None = getattr(scope["app"].state, "metrics", None)
            route = scope.get("route")
            if metrics is not None:
                template = getattr(route, "path", None) or "unmatched"
                method = scope["method"] if scope["method"] in METHODS else "other"
                metrics.requests.labels(method, template, str(status)).inc()
                metrics.request_seconds.labels(method, template).observe(
                    time.perf_counter() - started)

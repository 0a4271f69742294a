"""The worker's SLA metrics, on the Temporal runtime's meter.

With ``WORKER_METRICS_PORT`` set, the worker's runtime serves one Prometheus endpoint
holding both these and the Temporal SDK's own worker metrics (``temporal_*``).

Events are counted where they become facts exactly once: a breach or escalation when
its timeline entry is first written (a retried or replayed projection inserts nothing
and counts nothing), a message when its provider accepted it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from temporalio.common import MetricMeter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from sla.ticket.clocks import COMMITMENT, INTERNAL_TARGET
from sla.ticket.state import Notification, TimelineEntry
from sla.ticket.view import TicketView
from sla.vocabulary import NoticeKind, TimelineKind

LATENESS = "sla_escalation_lateness_seconds"
#: From "on time" to "an hour late": a worker that was down shows in the top buckets.
LATENESS_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
#: Messages sent because a deadline fell due: their creation time is that due time.
DEADLINE_KINDS = frozenset({NoticeKind.SLA_WARNING, NoticeKind.SLA_BREACH, NoticeKind.ESCALATION,
                            NoticeKind.PAGE})


class SlaMetrics:
    """Counters and the lateness histogram; ``MetricMeter.noop`` records nothing."""

    def __init__(self, meter: MetricMeter = MetricMeter.noop) -> None:
        self.tickets_created = meter.create_counter(
            "sla_tickets_created_total", "Tickets opened, by plan, severity and channel")
        self.clocks_breached = meter.create_counter(
            "sla_clocks_breached_total", "SLA clocks that passed their due time, by clock and plan")
        self.escalations = meter.create_counter(
            "sla_escalations_total",
            "Escalations by level and the clock that caused them (callback: emergency paging)")
        self.messages_sent = meter.create_counter(
            "sla_messages_sent_total", "Messages a provider accepted, by channel and kind")
        self.messages_logged = meter.create_counter(
            "sla_messages_logged_total",
            "Messages only written to the log: their channel is not configured, nobody got them")
        self.messages_failed = meter.create_counter(
            "sla_messages_failed_total",
            "Messages given up on: refused for good by the provider, or no address to send to")
        self.delivery_attempts_failed = meter.create_counter(
            "sla_delivery_attempts_failed_total",
            "Delivery attempts that failed for a passing reason and will be retried")
        self.step_failures = meter.create_counter(
            "sla_step_failures_total",
            "Failed attempts of a ticket's workflow step (the projection's write), by step and "
            "whether the failure is permanent; the ticket keeps its deadlines meanwhile")
        self.lateness = meter.create_histogram_float(
            LATENESS, "From a deadline falling due to its message being accepted for delivery",
            "s")

    def projected(self, view: TicketView, new_entries: Iterable[TimelineEntry]) -> None:
        """Count what the projection has just written for the first time."""
        for entry in new_entries:
            if entry.kind == TimelineKind.CREATED:
                self.tickets_created.add(1, {"plan": view.plan, "severity": view.severity,
                                             "channel": view.channel})
            elif entry.kind == TimelineKind.SLA_BREACH:
                kind = next((clock.kind for clock in view.clocks if clock.name == entry.clock),
                            COMMITMENT)
                self.clocks_breached.add(1, {"clock": entry.clock or "unknown", "plan": view.plan,
                                             "severity": view.severity,
                                             "target": "internal" if kind == INTERNAL_TARGET
                                             else COMMITMENT})
            elif entry.kind in (TimelineKind.ESCALATED, TimelineKind.PAGED):
                self.escalations.add(1, {"level": str(entry.level or 0), "plan": view.plan,
                                         "clock": entry.clock or "unknown"})

    def sent(self, message: Notification, at: datetime) -> None:
        self.messages_sent.add(1, {"channel": message.channel, "kind": message.kind})
        if message.kind in DEADLINE_KINDS:
            lateness = max((at - message.created_at).total_seconds(), 0.0)
            self.lateness.record(lateness, {"kind": message.kind, "channel": message.channel})

    def logged(self, message: Notification) -> None:
        self.messages_logged.add(1, {"channel": message.channel, "kind": message.kind})

    def failed(self, message: Notification) -> None:
        self.messages_failed.add(1, {"channel": message.channel, "kind": message.kind})

    def step_failed(self, step: str, permanent: bool) -> None:
        self.step_failures.add(1, {"step": step, "permanent": str(permanent).lower()})

    def attempt_failed(self, message: Notification) -> None:
        self.delivery_attempts_failed.add(1, {"channel": message.channel})


def metrics_runtime(host: str, port: int) -> Runtime:
    """A Temporal runtime serving Prometheus metrics on ``host:port``."""
    try:
        return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(
            bind_address=f"{host}:{port}",
            histogram_bucket_overrides={LATENESS: LATENESS_BUCKETS},
        )))
    except ValueError as error:
        raise RuntimeError(
            f"the worker's metrics endpoint cannot listen on {host}:{port} ({error}); "
            "set WORKER_METRICS_PORT to a free port, or to 0 to turn it off") from None

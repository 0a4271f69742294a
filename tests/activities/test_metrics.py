"""The worker's SLA metrics count each event once, however often its activity runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from temporalio.testing import ActivityEnvironment

from activities.notifications import NotificationActivities
from activities.projection import ProjectionActivities
from channels import PermanentDeliveryError
from sla.policy.snapshot import Contact
from sla.ticket.state import Notification, TimelineEntry
from store.db import SessionFactory, session_factory
from tests.support.activities import NOW, add_customer, projection
from tests.support.metrics import scrape, scrape_until, worker_metrics

TESS = Contact(role="tam", name="Tess", email="tess@example.com", phone="+15550100")


@pytest.fixture
def sessions(any_engine: Engine) -> SessionFactory:
    """On SQLite and on PostgreSQL: the "inserted for the first time" answer is the database's."""
    return session_factory(any_engine)


async def test_a_retried_projection_counts_its_breach_and_escalation_once(
    sessions: SessionFactory,
) -> None:
    add_customer(sessions)
    endpoint = worker_metrics()
    activities = ProjectionActivities(sessions, endpoint.metrics)
    env = ActivityEnvironment()
    created = [TimelineEntry(seq=1, at=NOW, kind="created", actor="customer")]
    breach = [
        TimelineEntry(seq=2, at=NOW, kind="sla_breach", actor="system",
                      detail="first response clock breached", clock="first_response"),
        TimelineEntry(seq=4, at=NOW, kind="escalated", actor="system",
                      detail="level 1: Tess (tam)", clock="first_response", level=1),
    ]
    env.run(activities.record_ticket, projection(1, "open", created))
    env.run(activities.record_ticket, projection(2, "open", created + breach))
    # A retry, and a replayed ticket whose projection carries every entry again.
    env.run(activities.record_ticket, projection(2, "open", created + breach))

    scraped = await scrape_until(endpoint.url, lambda s: s.value("sla_escalations_total") > 0)
    assert scraped.value("sla_tickets_created_total", plan="premium", severity="critical",
                         channel="api") == 1
    assert scraped.value("sla_clocks_breached_total", clock="first_response", plan="premium",
                         severity="critical") == 1
    assert scraped.value("sla_clocks_breached_total") == 1
    assert scraped.value("sla_escalations_total", level="1", plan="premium",
                         clock="first_response") == 1


class Provider:
    """Accepts email, refuses SMS for good, and fails voice calls for now."""

    async def deliver(self, message: Notification) -> str:
        if message.channel == "sms":
            raise PermanentDeliveryError("21211: not a mobile number")
        if message.channel == "voice":
            raise ConnectionError("503 from the provider")
        return f"ref-{message.idempotency_key}"


def message(seq: int, channel: str, kind: str = "escalation", late: float = 0) -> Notification:
    return Notification(
        idempotency_key=f"TCK-1:{seq}", ticket_id="TCK-1", kind=kind, recipient=TESS,
        channel=channel, subject="escalated", body="...",
        created_at=datetime.now(UTC) - timedelta(seconds=late),
    )


async def test_messages_are_counted_by_channel_and_outcome(sessions: SessionFactory) -> None:
    add_customer(sessions)
    env = ActivityEnvironment()
    env.run(ProjectionActivities(sessions).record_ticket, projection(1, "open", []))
    endpoint = worker_metrics()
    activities = NotificationActivities(sessions, Provider(), metrics=endpoint.metrics)

    escalation = message(3, "email", late=120)
    assert await env.run(activities.send_notification, escalation) == "sent"
    # A retry of a message already sent sends nothing and counts nothing.
    assert await env.run(activities.send_notification, escalation) == "sent"
    assert await env.run(activities.send_notification,
                         message(4, "email", kind="ticket_received")) == "sent"
    assert await env.run(activities.send_notification, message(5, "sms")) == "failed"
    assert await env.run(activities.send_notification, message(6, "undeliverable")) \
        == "undeliverable"
    for _attempt in range(2):
        with pytest.raises(ConnectionError):
            await env.run(activities.send_notification, message(7, "voice", kind="page"))

    scraped = await scrape_until(
        endpoint.url, lambda s: s.value("sla_delivery_attempts_failed_total") == 2)
    assert scraped.value("sla_messages_sent_total", channel="email", kind="escalation") == 1
    assert scraped.value("sla_messages_sent_total", channel="email", kind="ticket_received") == 1
    assert scraped.value("sla_messages_sent_total") == 2
    assert scraped.value("sla_messages_failed_total", channel="sms", kind="escalation") == 1
    assert scraped.value("sla_messages_failed_total", channel="undeliverable") == 1
    assert scraped.value("sla_delivery_attempts_failed_total", channel="voice") == 2
    # Lateness is measured for messages a deadline sent: the escalation, not the receipt.
    assert scraped.value("sla_escalation_lateness_seconds_count", kind="escalation",
                         channel="email") == 1
    assert scraped.value("sla_escalation_lateness_seconds_count") == 1
    # Two minutes late: above the 60 s bucket, within the 300 s one.
    assert scraped.value("sla_escalation_lateness_seconds_bucket", le="60.0") == 0
    assert scraped.value("sla_escalation_lateness_seconds_bucket", le="300.0") == 1
    assert 120 <= scraped.value("sla_escalation_lateness_seconds_sum") < 300
    assert "sla_messages_sent_total" in (await scrape(endpoint.url)).names()

"""Activities run twice (a retry, a replay) record and send once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from temporalio.testing import ActivityEnvironment

from activities.notifications import NotificationActivities
from activities.projection import ProjectionActivities
from sla.policy.snapshot import Contact
from sla.ticket.state import Notification, TimelineEntry
from store.db import SessionFactory, session_factory
from store.models import OutboxMessage, Ticket, TimelineEvent
from tests.support.activities import NOW, add_customer, projection


class RecordingChannel:
    def __init__(self) -> None:
        self.delivered: list[str] = []

    async def deliver(self, message: Notification) -> str:
        self.delivered.append(message.idempotency_key)
        return message.idempotency_key


@pytest.fixture
def sessions(any_engine: Engine) -> SessionFactory:
    """Every test here runs on SQLite and on PostgreSQL."""
    return session_factory(any_engine)


async def test_record_ticket_twice_writes_each_timeline_entry_once(
    sessions: SessionFactory,
) -> None:
    add_customer(sessions)
    activities = ProjectionActivities(sessions)
    env = ActivityEnvironment()
    entries = [TimelineEntry(seq=1, at=NOW, kind="created", actor="customer")]
    env.run(activities.record_ticket, projection(1, "open", entries))
    env.run(activities.record_ticket, projection(1, "open", entries))
    with sessions() as session:
        assert len(list(session.exec(select(TimelineEvent)))) == 1
        ticket = session.get(Ticket, "TCK-1")
        assert ticket is not None
        assert ticket.first_response_due == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


async def test_an_older_projection_never_overwrites_a_newer_one(sessions: SessionFactory) -> None:
    add_customer(sessions)
    activities = ProjectionActivities(sessions)
    env = ActivityEnvironment()
    env.run(activities.record_ticket, projection(5, "closed", []))
    env.run(activities.record_ticket, projection(3, "open", []))
    with sessions() as session:
        ticket = session.get(Ticket, "TCK-1")
        assert ticket is not None and ticket.status == "closed" and ticket.version == 5


async def test_a_message_sent_twice_is_recorded_and_delivered_once(
    sessions: SessionFactory,
) -> None:
    add_customer(sessions)
    env = ActivityEnvironment()
    env.run(ProjectionActivities(sessions).record_ticket, projection(1, "open", []))
    channel = RecordingChannel()
    activities = NotificationActivities(sessions, channel)
    message = Notification(
        idempotency_key="TCK-1:3", ticket_id="TCK-1", kind="escalation",
        recipient=Contact(role="tam", name="Tess", email="tess@example.com"), channel="email",
        subject="escalated", body="...", created_at=NOW,
    )
    assert await env.run(activities.send_notification, message) == "sent"
    assert await env.run(activities.send_notification, message) == "sent"
    assert channel.delivered == ["TCK-1:3"]
    with sessions() as session:
        rows = list(session.exec(select(OutboxMessage)))
    assert [(row.idempotency_key, row.status, row.attempts) for row in rows] == [
        ("TCK-1:3", "sent", 1)
    ]

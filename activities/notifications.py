"""``send_notification``: records a message in the outbox, then delivers it once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from channels import NotificationChannel
from sla.ticket import Notification
from store.db import SessionFactory
from store.models import OutboxMessage


class NotificationActivities:
    def __init__(self, sessions: SessionFactory, channel: NotificationChannel) -> None:
        self.sessions = sessions
        self.channel = channel

    def _outbox_row(self, message: Notification) -> OutboxMessage:
        """The message's outbox row, inserted on the first attempt (the key is unique)."""
        with self.sessions() as session:
            query = select(OutboxMessage).where(
                OutboxMessage.idempotency_key == message.idempotency_key
            )
            row = session.exec(query).first()
            if row is not None:
                return row
            recipient = message.recipient
            row = OutboxMessage(
                idempotency_key=message.idempotency_key,
                ticket_id=message.ticket_id,
                kind=message.kind,
                channel=message.channel,
                recipient_role=recipient.role,
                recipient_name=recipient.name,
                recipient_address=recipient.email or recipient.phone,
                subject=message.subject,
                body=message.body,
                created_at=message.created_at,
            )
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                # A concurrent attempt inserted it first; use that row.
                session.rollback()
                existing = session.exec(query).first()
                assert existing is not None
                return existing
            return row

    @activity.defn(name="send_notification")
    async def send_notification(self, message: Notification) -> str:
        """Returns the outbox status; a message already sent is not sent again."""
        # Database work runs in a thread: the activity's event loop also serves delivery.
        row = await asyncio.to_thread(self._outbox_row, message)
        if row.status == "sent":
            return "sent"
        await asyncio.to_thread(self._mark, row.id, None)
        await self.channel.deliver(message)
        await asyncio.to_thread(self._mark, row.id, "sent")
        return "sent"

    def _mark(self, row_id: int | None, status: str | None) -> None:
        """Count an attempt (``status`` None) or record the outcome."""
        with self.sessions() as session:
            stored = session.get(OutboxMessage, row_id)
            if stored is None:
                raise ApplicationError(f"outbox row {row_id} vanished", non_retryable=True)
            if status is None:
                stored.attempts += 1
            else:
                stored.status = status
                stored.sent_at = datetime.now(UTC)
            session.add(stored)
            session.commit()

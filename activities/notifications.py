"""``send_notification`` and ``send_notifications`` (a step's messages together): each
message is recorded in the outbox, then delivered once.

The outbox row is written as ``sending`` before the first attempt (its idempotency key is
unique), then becomes ``sent``. A retry that finds it ``sent`` sends nothing. A retry
that finds it ``sending`` may follow a crash after the provider accepted the message, so
it resends with the same idempotency key (the email's Message-ID, the HTTP
``Idempotency-Key``) for the provider to recognise. Where a provider cannot (plain SMTP),
that window (between the provider's acceptance and our commit) is the one place a
duplicate can still arise; receivers that collapse messages by Message-ID hide it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import literal, select
from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.metrics import SlaMetrics
from channels import NotificationChannel, PermanentDeliveryError
from channels.router import LOGGED
from channels.templates import MessageTemplates
from sla.ticket.records import UNDELIVERABLE
from sla.ticket.state import Notification
from sla.vocabulary import DELIVERED, FINAL_DELIVERY, DeliveryStatus, MessageChannel
from store.db import SessionFactory, insert_or_merge
from store.models import DELIVERY_ATTEMPTS, OUTBOX, DeliveryAttempt, OutboxMessage, UtcDateTime


class NotificationActivities:
    def __init__(
        self, sessions: SessionFactory, channel: NotificationChannel,
        templates: MessageTemplates | None = None, metrics: SlaMetrics | None = None,
    ) -> None:
        self.sessions = sessions
        self.channel = channel
        self.templates = templates
        self.metrics = metrics or SlaMetrics()

    def _outbox_row(self, message: Notification) -> tuple[int, str, int | None]:
        """The message's outbox row (id and status), inserted on the first attempt.

        A new row is inserted already ``sending`` with its first attempt counted: one
        statement and one commit before delivery. Returns the attempt number when it did
        so; a row that exists (a retry, a replay, a concurrent attempt) is left as it is.
        """
        recipient = message.recipient
        address = recipient.email if message.channel == MessageChannel.EMAIL else recipient.phone \
            if message.channel in (MessageChannel.SMS, MessageChannel.VOICE) \
            else recipient.email or recipient.phone
        deliverable = message.channel != UNDELIVERABLE
        status = DeliveryStatus.SENDING if deliverable else DeliveryStatus.PENDING
        row = {
            "idempotency_key": message.idempotency_key, "ticket_id": message.ticket_id,
            "kind": message.kind, "channel": message.channel,
            "recipient_role": recipient.role, "recipient_name": recipient.name,
            "recipient_address": address, "subject": message.subject, "body": message.body,
            "created_at": message.created_at,
            "status": status, "attempts": 1 if deliverable else 0,
        }
        with self.sessions() as session:
            connection = session.connection()
            inserted = connection.execute(
                insert_or_merge(connection, OUTBOX).values(row)
                .on_conflict_do_nothing(index_elements=["idempotency_key"])
                .returning(OUTBOX.c.id)).scalar()
            if inserted is None:
                row_id, stored = connection.execute(
                    select(OUTBOX.c.id, OUTBOX.c.status)
                    .where(OUTBOX.c.idempotency_key == message.idempotency_key)).one()
                return int(row_id), str(stored), None
            session.commit()
            return int(inserted), status, 1 if deliverable else None

    @activity.defn(name="send_notification")
    async def send_notification(self, message: Notification) -> str:
        """One message (tickets started before a step's messages went together): its outbox
        status, ``sent``, ``logged``, ``failed`` (permanent) or ``undeliverable``."""
        [outcome] = await self.send_notifications([message])
        return outcome

    @activity.defn(name="send_notifications")
    async def send_notifications(self, messages: list[Notification]) -> list[str]:
        """The messages of one step (a breach and its escalation), in one activity: the
        outbox status of each, in order.

        Each message is tried once per attempt, whatever happened to the one before it; a
        transient failure of any of them raises after all were tried, so the activity's
        retry policy tries again and the retry sends only those not yet sent (the outbox
        answers for the others by their keys). It heartbeats while it works: a worker
        killed mid-send is noticed within the heartbeat timeout (a few seconds), not the
        whole start-to-close timeout, and a healthy slow send keeps its attempt alive
        instead of being tried again beside it.
        """
        alive = asyncio.create_task(_heartbeat()) if activity.in_activity() else None
        try:
            outcomes: list[str] = []
            failure: Exception | None = None
            for message in messages:
                try:
                    outcomes.append(await self._send(message))
                except Exception as error:
                    failure = failure or error
            if failure is not None:
                raise failure
            return outcomes
        finally:
            if alive is not None:
                alive.cancel()

    async def _send(self, message: Notification) -> str:
        if self.templates is not None:
            message = self.templates.render(message)
        # Database work runs in a thread: the activity's event loop also serves delivery.
        row_id, status, attempt = await asyncio.to_thread(self._outbox_row, message)
        if status in FINAL_DELIVERY:
            return status
        if message.channel == UNDELIVERABLE:
            await asyncio.to_thread(self._finish, row_id, DeliveryStatus.UNDELIVERABLE, None,
                                    f"{message.recipient.name} has no address on any channel")
            self.metrics.failed(message)
            return DeliveryStatus.UNDELIVERABLE
        if attempt is None:
            attempt = await asyncio.to_thread(self._start_attempt, row_id)
        try:
            reference = await self.channel.deliver(message)
        except PermanentDeliveryError as error:
            await asyncio.to_thread(self._finish, row_id, DeliveryStatus.FAILED, None,
                                    str(error), attempt)
            self.metrics.failed(message)
            return DeliveryStatus.FAILED
        except Exception as error:
            self.metrics.attempt_failed(message)
            await asyncio.to_thread(self._record_attempt, row_id, attempt, "retrying",
                                    f"{error.__class__.__name__}: {error}")
            raise
        if reference.startswith(LOGGED):
            # No provider took it: say so, never "sent".
            self.metrics.logged(message)
            await asyncio.to_thread(self._finish, row_id, DeliveryStatus.LOGGED, reference,
                                    f"no {message.channel} channel is configured: written to "
                                    "the log only", attempt)
            return DeliveryStatus.LOGGED
        self.metrics.sent(message, datetime.now(UTC))
        await asyncio.to_thread(self._finish, row_id, DeliveryStatus.SENT, reference, "", attempt)
        return DeliveryStatus.SENT

    def _start_attempt(self, row_id: int) -> int:
        with self.sessions() as session:
            stored = self._stored(session, row_id)
            stored.attempts += 1
            stored.status = DeliveryStatus.SENDING
            session.add(stored)
            session.commit()
            return stored.attempts

    def _record_attempt(self, row_id: int, attempt: int, outcome: str, detail: str) -> None:
        with self.sessions() as session:
            stored = self._stored(session, row_id)
            stored.last_error = detail or stored.last_error
            session.add(stored)
            session.add(_attempt(stored, attempt, outcome, detail))
            session.commit()

    def _finish(self, row_id: int, status: str, reference: str | None, detail: str,
                attempt: int | None = None) -> None:
        """The message's final status (a ``DeliveryStatus``) and its attempt, in one commit
        (two statements: this runs for every message)."""
        status = str(status)  # the plain string: a bound literal of an enum has no SQL type
        now = datetime.now(UTC)
        values: dict[str, Any] = {"status": status, "provider_ref": reference}
        if status in DELIVERED:
            # For a logged message: when it was handled (written to the log).
            values["sent_at"] = now
        if status != DeliveryStatus.SENT:
            values["last_error"] = detail
        with self.sessions() as session:
            connection = session.connection()
            updated = connection.execute(OUTBOX.update().where(OUTBOX.c.id == row_id)
                                         .values(values))
            if updated.rowcount == 0:
                raise ApplicationError(f"outbox row {row_id} vanished", non_retryable=True)
            number = literal(attempt) if attempt else OUTBOX.c.attempts
            connection.execute(DELIVERY_ATTEMPTS.insert().from_select(
                ["outbox_id", "ticket_id", "attempt", "at", "channel", "outcome", "detail"],
                select(OUTBOX.c.id, OUTBOX.c.ticket_id, number,
                       literal(now, UtcDateTime()), OUTBOX.c.channel, literal(status),
                       literal(detail)).where(OUTBOX.c.id == row_id)))
            session.commit()

    @staticmethod
    def _stored(session: Session, row_id: int) -> OutboxMessage:
        stored = session.get(OutboxMessage, row_id)
        if stored is None:
            raise ApplicationError(f"outbox row {row_id} vanished", non_retryable=True)
        return stored


#: How often a running send tells the server it is alive (well inside the workflow's
#: heartbeat timeout).
HEARTBEAT_EVERY_SECONDS = 1.0


async def _heartbeat() -> None:
    # The first after a second: most sends are done by then and cost no heartbeat at all
    # (the server counts the heartbeat timeout from the attempt's start anyway).
    while True:
        await asyncio.sleep(HEARTBEAT_EVERY_SECONDS)
        activity.heartbeat()


def _attempt(message: OutboxMessage, attempt: int, outcome: str, detail: str) -> DeliveryAttempt:
    assert message.id is not None
    return DeliveryAttempt(outbox_id=message.id, ticket_id=message.ticket_id, attempt=attempt,
                           at=datetime.now(UTC), channel=message.channel, outcome=outcome,
                           detail=detail)

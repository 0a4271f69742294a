"""The ticket's messages on their way: a step's messages (a breach and its escalation) in
one ``send_notifications`` activity (before MESSAGES_TOGETHER, one ``send_notification``
activity each).

Sent in the background, so a message still retrying (a mail server down) never holds up
the ticket's next deadline; ``in_flight`` holds those not yet answered, which
continue-as-new carries into the next run.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from sla.plain_text import escape_markdown as plain
    from sla.ticket import lifecycle
    from sla.ticket.state import Notification, TicketState
    from sla.vocabulary import DELIVERED
from workflows.patches import MESSAGES_TOGETHER, Patches

#: Activities retry until they succeed: a database or mail outage delays, never drops.
ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1),
                             maximum_interval=timedelta(minutes=1))
ACTIVITY_TIMEOUT = timedelta(seconds=30)
#: A message's attempt heartbeats every second: silence this long means its worker died,
#: and the attempt is retried elsewhere at once rather than after ACTIVITY_TIMEOUT.
MESSAGE_HEARTBEAT_TIMEOUT = timedelta(seconds=5)


def activity_summary(message: Notification) -> str:
    """E.g. "page Tess (tam) level 2 via sms"."""
    level = f" level {message.facts['level']}" if "level" in message.facts else ""
    recipient = message.recipient
    # Shown in the Web UI as Markdown: a contact's name is somebody's typing.
    return f"{message.kind.replace('_', ' ')} {plain(recipient.name)} ({recipient.role}){level} " \
        f"via {message.channel}"


class MessageDelivery:
    def __init__(self, state: TicketState, patched: Patches) -> None:
        self.state = state
        self.patched = patched
        #: Messages handed to an activity and not yet answered, by idempotency key.
        self.in_flight: dict[str, Notification] = {}

    async def one_by_one(self) -> None:
        """The shape of tickets started before BACKGROUND_MESSAGES: each message in turn."""
        while self.state.pending_notifications:
            notification: Notification = self.state.pending_notifications[0]
            outcome = await self._send(notification)
            self.state.pending_notifications.pop(0)
            self._sent(notification, outcome)

    def in_background(self) -> None:
        """The step's messages go out in a task of their own; the ticket goes back to its
        deadlines at once."""
        batch, self.state.pending_notifications = self.state.pending_notifications, []
        for notification in batch:
            self.in_flight[notification.idempotency_key] = notification
        if not batch:
            return
        if self.patched(MESSAGES_TOGETHER):
            asyncio.create_task(self._deliver_together(batch))  # noqa: RUF006 (settled by in_flight)
            return
        for notification in batch:
            asyncio.create_task(self._deliver(notification))  # noqa: RUF006 (settled by in_flight)

    async def _deliver_together(self, batch: list[Notification]) -> None:
        try:
            outcomes: list[str] = await workflow.execute_activity(
                "send_notifications",
                batch,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                heartbeat_timeout=MESSAGE_HEARTBEAT_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
                summary="; ".join(activity_summary(message) for message in batch),
                result_type=list[str],
            )
        finally:
            for notification in batch:
                self.in_flight.pop(notification.idempotency_key, None)
        for notification, outcome in zip(batch, outcomes, strict=True):
            self._sent(notification, outcome)

    async def _deliver(self, notification: Notification) -> None:
        try:
            outcome = await self._send(notification)
        finally:
            self.in_flight.pop(notification.idempotency_key, None)
        # A message that could not be delivered is a change: the main loop records it.
        self._sent(notification, outcome)

    async def _send(self, notification: Notification) -> str:
        outcome: str = await workflow.execute_activity(
            "send_notification",
            notification,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            heartbeat_timeout=MESSAGE_HEARTBEAT_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary=activity_summary(notification),
            result_type=str,
        )
        return outcome

    def _sent(self, notification: Notification, outcome: str) -> None:
        # A logged message is on the timeline already, by its delivery attempt; only a
        # message that failed or had nowhere to go is a change of the ticket.
        if outcome not in DELIVERED:
            lifecycle.message_not_delivered(self.state, workflow.now(), notification, outcome)

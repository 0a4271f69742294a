"""Delivery channels: one small protocol, one module per implementation."""

from __future__ import annotations

from typing import Protocol

from sla.ticket import Notification


class NotificationChannel(Protocol):
    """Delivers one message. Raise to have the activity retry; the outbox keeps the record."""

    async def deliver(self, message: Notification) -> None: ...

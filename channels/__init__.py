"""Delivery channels: one small protocol, one module per implementation.

A channel raises :class:`PermanentDeliveryError` for a failure that a retry cannot mend
(a bad address, a 4xx from the provider): the activity records it and does not retry.
Any other exception is transient and retried with backoff by the activity's policy.
"""

from __future__ import annotations

from typing import Protocol

from sla.ticket.state import Notification


class PermanentDeliveryError(Exception):
    """The provider refused the message for good; the message says why."""


class NotificationChannel(Protocol):
    """Delivers one message, passing its idempotency key to the provider where it can."""

    async def deliver(self, message: Notification) -> str:
        """Returns the provider's reference for the accepted message."""
        ...

"""The channel that only writes a log line: used where no real channel is configured."""

from __future__ import annotations

import logging

from sla.ticket.state import Notification

logger = logging.getLogger("sla.notifications")


class LogChannel:
    async def deliver(self, message: Notification) -> str:
        recipient = message.recipient
        address = recipient.email or recipient.phone or "-"
        logger.info(
            "%s to %s <%s> via %s [%s]: %s",
            message.kind, recipient.name, address, message.channel,
            message.idempotency_key, message.subject,
        )
        return f"log:{message.idempotency_key}"

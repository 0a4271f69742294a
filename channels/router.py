"""Sends each message on the channel the workflow chose, or logs it where none is configured."""

from __future__ import annotations

from channels import NotificationChannel
from channels.log import LogChannel
from sla.ticket.state import Notification

#: A reference starting with this says the message was only written to the log: its channel
#: is not configured, so nobody received it (outbox status ``logged``, never ``sent``).
LOGGED = "logged:"


class ChannelRouter:
    def __init__(self, channels: dict[str, NotificationChannel]) -> None:
        self.channels = channels
        self.fallback = LogChannel()

    def configured(self, channel: str) -> bool:
        return channel in self.channels

    async def deliver(self, message: Notification) -> str:
        channel = self.channels.get(message.channel)
        if channel is None:
            return LOGGED + await self.fallback.deliver(message)
        return await channel.deliver(message)

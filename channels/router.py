"""Sends each message on the channel the workflow chose, or logs it where none is configured."""

from __future__ import annotations

from channels import NotificationChannel
from channels.log import LogChannel
from sla.ticket import Notification


class ChannelRouter:
    def __init__(self, channels: dict[str, NotificationChannel]) -> None:
        self.channels = channels
        self.fallback = LogChannel()

    def configured(self, channel: str) -> bool:
        return channel in self.channels

    async def deliver(self, message: Notification) -> str:
        return await self.channels.get(message.channel, self.fallback).deliver(message)

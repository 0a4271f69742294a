"""Lines logged while the API serves a request about a ticket carry its id (uvicorn's
access line included), so one filter on ``ticket_id`` finds the API's lines and the
worker's."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

import logs

#: ``/tickets/{id}...`` and the queue's ``/queue/tickets/{id}``.
TICKET_PATH = re.compile(r"^/(?:queue/)?tickets/([^/]{1,64})")


class TicketLogContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = TICKET_PATH.match(scope["path"]) if scope["type"] == "http" else None
        if match is None:
            await self.app(scope, receive, send)
            return
        token = logs.request_ticket.set(match.group(1))
        try:
            await self.app(scope, receive, send)
        finally:
            logs.request_ticket.reset(token)

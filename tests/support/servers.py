"""Real servers the channel tests talk to: an SMTP server (aiosmtpd) and an HTTP provider.

The HTTP provider stands in for a Twilio-compatible SMS/voice API and a chat webhook
receiver: it checks the chat HMAC, and it treats a repeated ``Idempotency-Key`` as the
same request, as Twilio does with its idempotency token.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from stack.__main__ import ApiServer
from stack.temporal import free_port


@dataclass
class SmtpRecorder:
    """Keeps every message it accepts; refuses listed recipients (550) or the next N (451).

    With ``accept_after`` it takes that many seconds to answer a message's data, as a
    loaded provider does. A sender that vanishes meanwhile (its connection lost) gets no
    "250", and the message is not kept: the server never took it.
    """

    received: list[Message] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    busy_for: int = 0
    accept_after: float = 0.0
    #: Messages whose data arrived, kept or not: (Message-ID, wall-clock time), in order.
    arrived: list[tuple[str, float]] = field(default_factory=list)
    #: The envelope's recipients of each kept message (who the server would deliver to).
    envelopes: list[list[str]] = field(default_factory=list)

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if address in self.refused:
            return "550 5.1.1 no such user"
        if self.busy_for > 0:
            self.busy_for -= 1
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        message = message_from_bytes(envelope.content)
        self.arrived.append((str(message["Message-ID"]), time.time()))
        if self.accept_after:
            # Cancelled if the sender's connection is lost while it waits.
            await asyncio.sleep(self.accept_after)
        self.received.append(message)
        self.envelopes.append(list(envelope.rcpt_tos))
        return "250 Message accepted"


@asynccontextmanager
async def smtp_server() -> AsyncIterator[tuple[SmtpRecorder, int]]:
    recorder = SmtpRecorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


@dataclass
class ProviderRecorder:
    secret: str = "chat-secret"
    messages: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    chat: list[dict[str, Any]] = field(default_factory=list)
    seen_keys: set[str] = field(default_factory=set)
    bad_numbers: set[str] = field(default_factory=set)
    unavailable_for: int = 0
    bad_signatures: int = 0

    def app(self) -> Starlette:
        async def twilio(request: Request) -> Response:
            if self.unavailable_for > 0:
                self.unavailable_for -= 1
                return JSONResponse({"message": "try later"}, status_code=503)
            form = dict(await request.form())
            if form.get("To") in self.bad_numbers:
                return JSONResponse({"code": 21211, "message": "invalid 'To' number"},
                                    status_code=400)
            key = request.headers.get("Idempotency-Key", "")
            if key not in self.seen_keys:
                self.seen_keys.add(key)
                record = {"form": form, "auth": request.headers.get("authorization"), "key": key}
                kind = request.path_params["resource"]
                (self.messages if kind == "Messages.json" else self.calls).append(record)
            return JSONResponse({"sid": f"SM{abs(hash(key)) % 10**10}"}, status_code=201)

        async def chat(request: Request) -> Response:
            body = await request.body()
            expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, request.headers.get("X-Signature-256", "")):
                self.bad_signatures += 1
                return JSONResponse({"error": "bad signature"}, status_code=401)
            key = request.headers.get("Idempotency-Key", "")
            if key not in self.seen_keys:
                self.seen_keys.add(key)
                self.chat.append(await request.json())
            return JSONResponse({"ok": True})

        return Starlette(routes=[
            Route("/2010-04-01/Accounts/{sid}/{resource}", twilio, methods=["POST"]),
            Route("/hooks/chat", chat, methods=["POST"]),
        ])


@asynccontextmanager
async def provider_server() -> AsyncIterator[tuple[ProviderRecorder, str]]:
    recorder = ProviderRecorder()
    port = free_port()
    server = ApiServer(uvicorn.Config(recorder.app(), host="127.0.0.1", port=port,
                                      log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield recorder, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task

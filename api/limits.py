"""Input limits: a body over the size limit is refused before it is read, and text may
not carry NUL characters (PostgreSQL cannot store them; no person types them) nor lone
surrogates (a JSON escape like "\\ud800" that is no character at all: it cannot be
encoded as UTF-8, so no database, log or message could hold it)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Larger than any ticket, reply or webhook a person or a provider sends.
MAX_BODY_BYTES = 1024 * 1024


class BodySizeLimit:
    """413 for a body over the limit, whether it declares its length or streams it."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _too_large(send, self.limit)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except _BodyTooLarge:
            await _too_large(send, self.limit)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = f'{{"detail":"request body over {limit} bytes"}}'.encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})

"""Input limits: a body over the size limit is refused before it is read, and text may
not carry NUL characters (PostgreSQL cannot store them; no person types them) nor lone
surrogates (a JSON escape like "\\ud800" that is no character at all: it cannot be
encoded as UTF-8, so no database, log or message could hold it)."""

from __future__ import annotations

from typing import Any

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


def _unstorable(text: str) -> str | None:
    if "\x00" in text:
        return "text may not contain NUL characters"
    if any("\ud800" <= char <= "\udfff" for char in text):
        return "text may not contain lone surrogates (\\ud800-\\udfff): they are no characters"
    return None


def reject_unstorable_text(values: Any, where: str = "") -> Any:
    """A ``mode="before"`` model validator: no text anywhere in the body, keys included,
    that cannot be stored (NUL, lone surrogates); the message names the field."""
    items: list[tuple[str, Any]] = []
    if isinstance(values, dict):
        items = [(f"{where}{key}", value) for key, value in values.items()]
        items += [(f"{where}{key} (a key)", key) for key in values if isinstance(key, str)]
    elif isinstance(values, list):
        items = [(f"{where.rstrip('.')}[{index}]", value) for index, value in enumerate(values)]
    for name, value in items:
        if isinstance(value, str):
            problem = _unstorable(value)
            if problem is not None:
                raise ValueError(f"{name}: {problem}")
        elif isinstance(value, dict | list):
            reject_unstorable_text(value, f"{name}.")
    return values

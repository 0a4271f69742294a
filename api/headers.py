"""Headers on every answer that tell the browser what our pages may do: run only our own
scripts and styles (each inline block carries the request's nonce), never be framed by
another site, never be sniffed as another type, and leak no path in the Referer; over
HTTPS, stay on HTTPS (Strict-Transport-Security)."""

from __future__ import annotations

import secrets
from contextvars import ContextVar

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_nonce: ContextVar[str] = ContextVar("csp_nonce", default="")

#: FastAPI's /docs and /redoc load their scripts from a CDN and start them inline: they
#: are third-party pages with no form of ours, kept working and kept out of frames.
_DOCS = ("/docs", "/redoc")
_HSTS = "max-age=31536000"


def csp_nonce() -> str:
    """The nonce of the request being answered, for the templates' <script> and <style>."""
    return _nonce.get()


def policy(nonce: str) -> str:
    return (f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
            f"style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; object-src 'none'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        reset = _nonce.set(nonce)
        docs = str(scope.get("path", "")).startswith(_DOCS)
        https = _https(scope)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = (
                    "frame-ancestors 'none'" if docs else policy(nonce))
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
                headers["X-Frame-Options"] = "DENY"
                if https:
                    headers["Strict-Transport-Security"] = _HSTS
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        finally:
            _nonce.reset(reset)


def _https(scope: Scope) -> bool:
    """Served over HTTPS: as ``PUBLIC_BASE_URL`` says (behind a proxy the API itself
    speaks HTTP), else as the request came."""
    app = scope.get("app")
    resources = getattr(getattr(app, "state", None), "resources", None)
    base = resources.settings.public_base_url if resources is not None else None
    if base:
        return str(base).lower().startswith("https://")
    return scope.get("scheme") == "https"

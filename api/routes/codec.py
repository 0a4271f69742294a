"""The codec server the Temporal Web UI calls to show ticket payloads decrypted:
``POST /codec/decode`` and ``/codec/encode`` (Temporal's remote codec protocol: a
``{"payloads": [...]}`` body of proto-JSON payloads, the namespace in ``X-Namespace``).

Only staff read decrypted ticket data: a signed-in agent's or admin's session cookie (the
UI sends it when its codec setting includes cross-origin credentials) or a staff key in
``Authorization: Bearer`` (the UI's "pass the user access token" is a Temporal token, not
ours, so a key is for scripts). Unlike the JSON API they read the session cookie: they
change nothing, and only the allowed origins may read what they answer. The UI runs on
another origin: ``CodecCors`` answers its preflight and lets the origins in
``CODEC_CORS_ORIGINS`` read the answers. Every namespace uses the same keys.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from google.protobuf.json_format import MessageToDict, ParseDict, ParseError
from pydantic import BaseModel, ConfigDict, Field
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import PayloadCodec

from api.auth import Principal, principal
from api.deps import ResourcesDep, SessionDep
from api.web_auth import COOKIE, session_limits
from codec import UndecryptablePayload, codec_for
from store.web_sessions import find_session

router = APIRouter(prefix="/codec", tags=["codec"])

PREFIX = "/codec/"
#: A history page the UI decodes at once holds far fewer; the body limit bounds the bytes.
MAX_PAYLOADS = 1000


class PayloadJSON(BaseModel):
    """A payload as proto-JSON: metadata values and data in base64. Other fields of the
    proto (newer API versions add some) pass to the proto parser, which knows them."""

    model_config = ConfigDict(extra="allow")
    metadata: dict[str, str] = Field(default_factory=dict, max_length=64)
    data: str = ""


class PayloadsJSON(BaseModel):
    model_config = ConfigDict(extra="forbid")
    payloads: list[PayloadJSON] = Field(default_factory=list, max_length=MAX_PAYLOADS)


def codec_caller(request: Request, session: SessionDep, resources: ResourcesDep,
                 authorization: Annotated[str | None, Header()] = None) -> Principal:
    """An agent or an admin, by session cookie or by key; 401 for nobody (the UI shows
    it, a redirect to sign in would be lost in its fetch), 403 for another role."""
    token = request.cookies.get(COOKIE)
    found = None
    if token:
        found = find_session(session, token, *session_limits(resources.settings))
    if found is not None:
        _row, key = found
        caller = Principal(role=key.role, customer_id=key.customer_id, key_id=key.id)
    else:
        caller = principal(session, authorization)
    if caller.role not in ("agent", "admin"):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            detail=f"a {caller.role} key may not read ticket data in Temporal")
    return caller


CodecCaller = Annotated[Principal, Depends(codec_caller)]


def _codec(resources: ResourcesDep) -> PayloadCodec | None:
    keys = resources.settings.payload_keys_text()
    return codec_for(keys) if keys and resources.settings.payload_encryption == "on" else None


def _payloads(body: PayloadsJSON) -> list[Payload]:
    try:
        parsed = ParseDict(body.model_dump(), Payloads())
    except ParseError:
        # Not the parser's words: they quote the input, which may not even be text.
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail="not proto-JSON payloads: metadata values and data must "
                                   "be base64") from None
    return list(parsed.payloads)


def _answer(payloads: list[Payload]) -> dict[str, Any]:
    return MessageToDict(Payloads(payloads=payloads))


RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"description": "not proto-JSON payloads, or one that does not decrypt with the "
                         "configured keys (the detail says which key it names)"},
}


@router.post("/decode", responses=RESPONSES)
async def decode(body: PayloadsJSON, caller: CodecCaller, resources: ResourcesDep,
                 x_namespace: Annotated[str | None, Header(max_length=256)] = None
                 ) -> dict[str, Any]:
    """The payloads decrypted (plain ones as they are)."""
    payloads = _payloads(body)
    codec = _codec(resources)
    if codec is None:
        return _answer(payloads)
    try:
        return _answer(await codec.decode(payloads))
    except UndecryptablePayload as bad:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(bad)) from None


@router.post("/encode", responses=RESPONSES)
async def encode(body: PayloadsJSON, caller: CodecCaller, resources: ResourcesDep,
                 x_namespace: Annotated[str | None, Header(max_length=256)] = None
                 ) -> dict[str, Any]:
    """The payloads encrypted with the newest key (what the UI sends when it signals)."""
    payloads = _payloads(body)
    codec = _codec(resources)
    return _answer(await codec.encode(payloads) if codec is not None else payloads)


class CodecCors:
    """CORS for ``/codec/`` only, for the origins the settings name (read once the app has
    started: the settings come with its lifespan). No other route answers another origin."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._cors: CORSMiddleware | None = None

    def _for(self, scope: Scope) -> CORSMiddleware | None:
        if self._cors is None:
            resources = getattr(scope["app"].state, "resources", None)
            if resources is None:
                return None
            self._cors = CORSMiddleware(
                self.app, allow_origins=resources.settings.effective_codec_cors_origins,
                allow_methods=["POST"], allow_credentials=True, max_age=600,
                allow_headers=["content-type", "x-namespace", "authorization"])
        return self._cors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cors = self._for(scope) if (scope["type"] == "http"
                                    and scope["path"].startswith(PREFIX)) else None
        await (cors or self.app)(scope, receive, send)

"""The codec server the Temporal Web UI calls: signed-in staff read ticket payloads
decrypted, nobody else does; the UI's origin passes CORS (preflight included), others not."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
from google.protobuf.json_format import MessageToDict, ParseDict
from pydantic import SecretStr
from temporalio.api.common.v1 import Payloads

from codec import KEY_ID
from config import Settings
from tests.support.in_process import InProcessApi, signed_in
from tickets.services import AppResources
from workflow_client import data_converter

OLD = "old:" + base64.b64encode(b"o" * 32).decode()
NEW = "new:" + base64.b64encode(b"n" * 32).decode()
UI = "http://localhost:8233"
SECRET = {"description": "Ada Lovelace's invoices vanish", "email": "ada@example.com"}
PREFLIGHT = {"Origin": UI, "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "content-type,x-namespace"}


def with_keys(api: InProcessApi, keys: str) -> Settings:
    resources: AppResources = api.app.state.resources
    resources.settings = resources.settings.model_copy(update={
        "payload_encryption": "on", "payload_encryption_keys": SecretStr(keys)})
    return resources.settings


async def encrypted_body(keys: str) -> dict[str, Any]:
    settings = Settings(payload_encryption="on", payload_encryption_keys=keys)
    payloads = await data_converter(settings).encode([SECRET])
    return MessageToDict(Payloads(payloads=payloads))


def decoded(answer: httpx.Response) -> Any:
    [payload] = answer.json()["payloads"]
    return json.loads(base64.b64decode(payload["data"]))


async def key_of(api: InProcessApi, role: str) -> str:
    customer_id = None
    if role == "customer":
        customer_id = (await api.http.post("/customers", json={
            "name": "Codec Co", "plan": "fast"})).json()["id"]
    created = await api.http.post("/keys", json={"role": role, "customer_id": customer_id})
    assert created.status_code == 201, created.text
    key: str = created.json()["key"]
    return key


async def test_staff_decode_and_encode_others_are_refused(api: InProcessApi) -> None:
    with_keys(api, f"{NEW},{OLD}")
    body = await encrypted_body(OLD)
    assert "Ada" not in json.dumps(body)
    headers = {"X-Namespace": "default"}

    agent = await signed_in(api, await key_of(api, "agent"))
    answer = await agent.post("/codec/decode", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert decoded(answer) == SECRET
    # A staff key (a script) decodes too; what it encodes names the newest key.
    by_key = await api.http.post("/codec/decode", json=body, headers=headers)
    assert decoded(by_key) == SECRET
    encoded = await api.http.post("/codec/encode", json={"payloads": answer.json()["payloads"]})
    assert encoded.status_code == 200, encoded.text
    [payload] = ParseDict(encoded.json(), Payloads()).payloads
    assert payload.metadata[KEY_ID] == b"new"
    assert decoded(await agent.post("/codec/decode", json=encoded.json())) == SECRET

    customer_key = await key_of(api, "customer")
    for refused in (
        await api.http.post("/codec/decode", json=body,
                            headers={"Authorization": f"Bearer {customer_key}"}),
        await (await signed_in(api, customer_key)).post("/codec/decode", json=body),
        await api.http.post("/codec/decode", json=body,
                            headers={"Authorization": f"Bearer {await key_of(api, 'telephony')}"}),
    ):
        assert refused.status_code == 403, refused.text
        assert "Ada" not in refused.text
    anonymous = await api.http.post("/codec/decode", json=body, headers={"Authorization": ""})
    assert anonymous.status_code == 401


async def test_a_payload_of_an_unknown_key_or_not_a_payload_is_a_422(api: InProcessApi) -> None:
    with_keys(api, NEW)
    unknown = await api.http.post("/codec/decode", json=await encrypted_body(OLD))
    assert unknown.status_code == 422
    assert "key 'old'" in unknown.json()["detail"]
    # As JSON text: a lone surrogate escape is valid JSON that no client library would send.
    for body in ('{"payloads": [{"data": "not base64!"}]}',
                 '{"payloads": [{"metadata": {"k": "\\ud800"}}]}',
                 '{"payloads": [{"data": "\\ud800"}]}', '{"payloads": "x"}', '{"other": []}'):
        answer = await api.http.post("/codec/decode", content=body,
                                     headers={"Content-Type": "application/json"})
        assert answer.status_code == 422, (body, answer.text)


async def test_the_ui_origin_passes_cors_others_do_not(api: InProcessApi) -> None:
    with_keys(api, NEW)
    preflight = await api.http.options("/codec/decode", headers=PREFLIGHT)
    assert preflight.status_code == 200, preflight.text
    assert preflight.headers["access-control-allow-origin"] == UI
    assert preflight.headers["access-control-allow-credentials"] == "true"
    assert "x-namespace" in preflight.headers["access-control-allow-headers"].lower()

    stranger = await api.http.options("/codec/decode",
                                      headers=PREFLIGHT | {"Origin": "https://evil.example"})
    assert stranger.status_code == 400
    assert "access-control-allow-origin" not in stranger.headers

    body = await encrypted_body(NEW)
    from_ui = await api.http.post("/codec/decode", json=body, headers={"Origin": UI})
    assert from_ui.status_code == 200
    assert from_ui.headers["access-control-allow-origin"] == UI
    # The UI reads a refusal too, to say why nothing is decoded.
    refused = await api.http.post("/codec/decode", json=body,
                                  headers={"Origin": UI, "Authorization": ""})
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == UI
    from_elsewhere = await api.http.post("/codec/decode", json=body,
                                         headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in from_elsewhere.headers
    # No other route answers the UI's origin.
    tickets = await api.http.get("/tickets", headers={"Origin": UI})
    assert "access-control-allow-origin" not in tickets.headers
    assert "access-control-allow-origin" not in (
        await api.http.options("/tickets", headers=PREFLIGHT)).headers

"""Which RT answers a retry can mend (429, 5xx) and which it cannot (the other 4xx); and a
WriteBack's payload is what the write-back activity takes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import httpx
import pytest
from temporalio.converter import DataConverter

from channels.request_tracker import PermanentRequestTrackerError, RequestTrackerClient, RtSettings
from tickets.connectors.events import HelpDesk, WriteBack
from workflows.request_tracker_messages import RtWriteBackStep

pytestmark = pytest.mark.pure


def client(status: int, http: httpx.AsyncClient) -> RequestTrackerClient:
    return RequestTrackerClient(RtSettings(url="https://rt.example.test", token="t"), http)


@pytest.mark.parametrize("status", [429, 408, 500, 503])
async def test_rate_limits_and_server_errors_are_worth_retrying(status: int) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(status, json={}))
    async with httpx.AsyncClient(transport=transport) as http:
        with pytest.raises(httpx.HTTPStatusError):
            await client(status, http).ticket(1)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_other_refusals_are_permanent(status: int) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(status, json={}))
    async with httpx.AsyncClient(transport=transport) as http:
        with pytest.raises(PermanentRequestTrackerError) as raised:
            await client(status, http).ticket(1)
    assert raised.value.status_code == status


def test_a_write_back_payload_is_the_activitys_input() -> None:
    due = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
    asked = WriteBack(desk=HelpDesk.REQUEST_TRACKER, external_ticket_id="7",
                      idempotency_key="T-7:4", note="breached", add_tags=("sla_breached",),
                      next_due=due, sla_state="breached")
    converter = DataConverter.default.payload_converter
    [payload] = converter.to_payloads([asked])
    [step] = converter.from_payloads([payload], [RtWriteBackStep])
    assert {field.name for field in dataclasses.fields(WriteBack)} <= {
        field.name for field in dataclasses.fields(RtWriteBackStep)}
    assert (step.external_ticket_id, step.idempotency_key, step.note, step.sla_state) == (
        "7", "T-7:4", "breached", "breached")
    assert step.next_due == due and tuple(step.add_tags) == ("sla_breached",)

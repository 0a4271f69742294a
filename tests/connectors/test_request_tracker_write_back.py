"""The write-back against the real RT: one comment per idempotency key however often the
activity runs, the SLA custom fields set, and RT's refusals permanent."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.request_tracker import RequestTrackerActivities, RtConnector
from channels.request_tracker import RequestTrackerClient, RtBatch, RtSettings
from tests.support.request_tracker import NEXT_DUE_FIELD, SLA_STATE_FIELD, RequestTracker
from workflows.request_tracker_messages import RtWriteBackStep


async def ignore(batch: RtBatch) -> None:
    raise AssertionError("the write-back polls nothing")


def comments(rt: RequestTracker, ticket: int) -> list[str]:
    """The ticket's comments' subjects, as RT's history shows them."""
    with rt.client() as http:
        page = http.get(f"/ticket/{ticket}/history",
                        params={"fields": "Type,Data", "per_page": 100}).json()
    return [item["Data"].strip() for item in page["items"] if item["Type"] == "Comment"]


def custom_fields(rt: RequestTracker, ticket: int) -> dict[str, list[str]]:
    with rt.client() as http:
        read = http.get(f"/ticket/{ticket}").json()
    return {field["name"]: field["values"] for field in read["CustomFields"]}


async def write(rt: RequestTracker, step: RtWriteBackStep, token: str | None = None) -> bool:
    async with httpx.AsyncClient() as http:
        client = RequestTrackerClient(RtSettings(url=rt.url, token=token or rt.connector_token), http)
        activities = RequestTrackerActivities({"rt": RtConnector(client, ignore)})
        written: bool = await ActivityEnvironment().run(activities.write_back, step)
        return written


async def test_a_retried_write_back_leaves_one_comment(rt: RequestTracker) -> None:
    ticket = rt.create_ticket("Printer on fire", "carol@customer.test", "It is burning")
    due = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
    step = RtWriteBackStep(external_ticket_id=str(ticket), idempotency_key=f"T-{ticket}:4",
                           note="First response breached at 09:30 UTC.\nEscalated to the TAM.",
                           next_due=due, sla_state="breached")
    assert await write(rt, step) is True
    assert await write(rt, step) is False  # the retry finds its comment
    assert comments(rt, ticket) == [f"First response breached at 09:30 UTC. [sla-key:T-{ticket}:4]"]
    fields = custom_fields(rt, ticket)
    assert fields[SLA_STATE_FIELD] == ["breached"]
    assert fields[NEXT_DUE_FIELD] == [due.isoformat()]
    with rt.client() as http:
        history = http.get(f"/ticket/{ticket}/history",
                           params={"fields": "Type", "per_page": 100}).json()
        comment = next(item for item in history["items"] if item["Type"] == "Comment")
        attachments = http.get(f"/transaction/{comment['id']}/attachments",
                               params={"fields": "Content", "per_page": 5}).json()
    assert any(f"sla-key: T-{ticket}:4" in (item.get("Content") or "")
               for item in attachments["items"])


async def test_another_key_is_another_comment(rt: RequestTracker) -> None:
    ticket = rt.create_ticket("Slow VPN", "carol@customer.test", "slow")
    for key, note in ((f"T-{ticket}:1", "Warning: first response due in 15 minutes."),
                      (f"T-{ticket}:2", "First response breached.")):
        await write(rt, RtWriteBackStep(external_ticket_id=str(ticket), idempotency_key=key,
                                        note=note, sla_state="warning"))
    assert len(comments(rt, ticket)) == 2
    assert custom_fields(rt, ticket)[SLA_STATE_FIELD] == ["warning"]


async def test_refusals_are_not_retried(rt: RequestTracker) -> None:
    step = RtWriteBackStep(external_ticket_id="999999", idempotency_key="T-x:1", note="n")
    with pytest.raises(ApplicationError) as missing:
        await write(rt, step)
    assert missing.value.non_retryable and missing.value.type == "PermanentRequestTrackerError"
    ticket = rt.create_ticket("Refused", "carol@customer.test", "x")
    with pytest.raises(ApplicationError) as refused:
        await write(rt, RtWriteBackStep(external_ticket_id=str(ticket),
                                        idempotency_key="T-y:1", note="n"), token="1-1-wrong")
    assert refused.value.non_retryable and "401" in str(refused.value)
    assert comments(rt, ticket) == []

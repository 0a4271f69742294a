"""Each clock on the real workflow: met in time, warned, breached and escalated, paused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.harness import Harness, send
from workflows.messages import AgentResponse, CustomerReply, ResolutionProposal, StatusChange


def clock(view: object, name: str) -> object:
    return next(c for c in view.clocks if c.name == name)  # type: ignore[attr-defined]


async def test_automatic_acknowledgement_does_not_stop_the_first_response_clock(
    harness: Harness,
) -> None:
    handle = await harness.start("critical")
    view = await send(handle, AgentResponse(author="bot", body="We got it", automatic=True))
    assert clock(view, "first_response").state == "running"  # type: ignore[attr-defined]
    assert view.first_responded_at is None
    await harness.sleep(timedelta(minutes=31))
    sent = await harness.outbox_kinds(handle.id, 3)
    assert ("escalation", "tam") in sent
    assert "automatic_acknowledgement" in harness.kinds(handle.id)


async def test_update_interval_restarts_at_each_agent_update(harness: Harness) -> None:
    handle = await harness.start("critical")
    await send(handle, AgentResponse("ana", "Investigating"))
    for _ in range(2):
        await harness.sleep(timedelta(minutes=40))
        view = await send(handle, AgentResponse("ana", "Still on it"))
        assert clock(view, "next_update").state == "running"  # type: ignore[attr-defined]
    # Updates every 40 minutes of a 1h interval: no warning, nothing escalated.
    await harness.sleep(timedelta(minutes=5))
    await harness.settled(handle)
    assert harness.outbox(handle.id) == []
    assert harness.kinds(handle.id).count("agent_update") == 2


async def test_missed_update_warns_breaches_and_escalates(harness: Harness) -> None:
    handle = await harness.start("critical")
    await send(handle, AgentResponse("ana", "Investigating"))
    await harness.sleep(timedelta(minutes=46))
    assert await harness.outbox_kinds(handle.id, 1) == [("sla_warning", "assignee")]
    await harness.sleep(timedelta(minutes=15))
    sent = await harness.outbox_kinds(handle.id, 3)
    assert sent[1:] == [("sla_breach", "assignee"), ("escalation", "tam")]
    view = await harness.sla(handle)
    assert clock(view, "next_update").state == "breached"  # type: ignore[attr-defined]
    # The next update starts a fresh interval.
    view = await send(handle, AgentResponse("ana", "Fixed MX"))
    assert clock(view, "next_update").state == "running"  # type: ignore[attr-defined]
    assert view.escalation_level == 1


async def test_resolution_met_when_proposed_in_time(harness: Harness) -> None:
    handle = await harness.start("critical")
    await send(handle, AgentResponse("ana", "Investigating"))
    await harness.sleep(timedelta(minutes=40))
    view = await send(handle, ResolutionProposal("ana", "Restarted the MTA pool"))
    assert view.status == "resolution_proposed"
    assert clock(view, "resolution").state == "met"  # type: ignore[attr-defined]
    assert clock(view, "next_update").state == "met"  # type: ignore[attr-defined]
    await harness.sleep(timedelta(hours=3))
    await harness.settled(handle)
    assert harness.outbox(handle.id) == []


async def test_each_further_breach_escalates_one_more_level(harness: Harness) -> None:
    handle = await harness.start("major")  # 30m first response, 8h resolution
    await harness.sleep(timedelta(minutes=31))
    await harness.outbox_kinds(handle.id, 3)
    await send(handle, AgentResponse("ana", "Investigating"))
    await harness.sleep(timedelta(hours=8))
    sent = await harness.outbox_kinds(handle.id, 6)
    assert sent == [
        ("sla_warning", "support_lead"), ("sla_breach", "support_lead"), ("escalation", "tam"),
        ("sla_warning", "assignee"), ("sla_breach", "assignee"),
        ("escalation", "support_lead"),
    ]
    view = await harness.sla(handle)
    assert view.escalation_level == 2
    assert view.escalated_to is not None and view.escalated_to.role == "support_lead"
    ticket = await harness.ticket_when(handle.id, lambda t: t.escalation_level == 2)
    assert ticket.resolution_state == "breached"


async def test_waiting_on_customer_pauses_the_resolution_clock(harness: Harness) -> None:
    handle = await harness.start("critical")  # resolution 2h
    await send(handle, AgentResponse("ana", "Need your logs"))
    await harness.sleep(timedelta(minutes=30))
    view = await send(handle, StatusChange("waiting_on_customer", "ana"))
    assert clock(view, "resolution").state == "paused"  # type: ignore[attr-defined]
    await harness.sleep(timedelta(hours=20))
    view = await harness.settled(handle)
    resolution = clock(view, "resolution")
    assert resolution.state == "paused"  # type: ignore[attr-defined]
    # 30 minutes used before the pause (plus the real seconds the test itself took).
    assert resolution.remaining_seconds == pytest.approx(90 * 60, abs=5)  # type: ignore[attr-defined]
    paused_remaining = resolution.remaining_seconds  # type: ignore[attr-defined]
    assert harness.outbox(handle.id) == []
    view = await send(handle, CustomerReply("Logs here"))
    assert view.status == "open"
    resolution = clock(view, "resolution")
    assert resolution.state == "running"  # type: ignore[attr-defined]
    # It runs on from where it stood: due once the remaining 90 minutes have passed.
    assert resolution.remaining_seconds == pytest.approx(paused_remaining, abs=5)  # type: ignore[attr-defined]
    assert resolution.due_at == view.as_of + timedelta(seconds=resolution.remaining_seconds)  # type: ignore[attr-defined]

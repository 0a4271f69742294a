"""Tickets that change while they run, on the time-skipping server: severity, type, plan and
policy version changes, and messages held until their recipient's hours."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from sla.ticket.view import TicketView
from tests.support.harness import TAM, Harness, eventually, policy_from, send
from tests.support.scenarios import RETARGETING_POLICY, next_tuesday
from workflows.messages import (
    AgentResponse,
    CustomerReply,
    PlanChange,
    SeverityChange,
    StatusChange,
    TypeChange,
)


def clock_of(view: TicketView, name: str) -> object:
    return next(clock for clock in view.clocks if clock.name == name)


def close_to(actual: datetime | None, expected: datetime) -> bool:
    """The test's own steps take real milliseconds of skipped time."""
    return actual is not None and abs(actual - expected) < timedelta(seconds=2)


async def test_severity_upgrade_after_a_pause_keeps_the_pause(harness: Harness) -> None:
    policy = policy_from(RETARGETING_POLICY)
    handle = await harness.start("major", plan="standard", policy=policy)
    await send(handle, AgentResponse("ana", "Looking"))
    await harness.sleep(timedelta(hours=1))
    await send(handle, StatusChange("waiting_on_customer",
                                                                        "ana"))
    await harness.sleep(timedelta(hours=3))  # paused: does not count
    await send(handle, CustomerReply("the logs"))
    await harness.sleep(timedelta(hours=1))
    changed_at = await harness.env.get_current_time()
    view = await send(handle, SeverityChange("critical", "ana"))
    resolution = clock_of(view, "resolution")
    # 2 of the 4 critical hours are used: due 2 hours after the change, not 1 hour before it.
    assert close_to(resolution.due_at, changed_at + timedelta(hours=2))  # type: ignore[attr-defined]
    assert view.severity == "critical"
    change = harness.timeline(handle.id)[-1]
    assert (change.kind, change.actor) == ("severity_changed", "agent:ana")
    assert change.detail == "severity major → critical; resolution 5d → 4h"
    await harness.sleep(timedelta(hours=2, minutes=1))
    breach = await eventually(lambda: [event for event in harness.timeline(handle.id)
                                       if event.kind == "sla_breach"])
    assert close_to(breach[0].at, changed_at + timedelta(hours=2))


async def test_downgrade_ends_a_clock_and_nothing_fires_for_it(harness: Harness) -> None:
    handle = await harness.start("major", plan="standard", policy=policy_from(RETARGETING_POLICY))
    await send(handle, AgentResponse("ana", "Looking"))
    view = await send(handle, SeverityChange("minor", "ana"))
    assert clock_of(view, "resolution").state == "ended"  # type: ignore[attr-defined]
    assert view.next_due_at is None
    await harness.sleep(timedelta(days=6))
    await harness.settled(handle)
    assert harness.outbox(handle.id) == []
    assert "sla_breach" not in harness.kinds(handle.id)
    assert harness.timeline(handle.id)[-1].detail == \
        "severity major → minor; resolution 5d → none: clock ended"


async def test_a_type_without_sla_stops_every_clock(harness: Harness) -> None:
    handle = await harness.start("critical", plan="standard", policy=policy_from(RETARGETING_POLICY))
    view = await send(handle, TypeChange("information",
                                                                              "ana"))
    assert {clock.name: clock.state for clock in view.clocks} == \
        {"first_response": "ended", "resolution": "ended"}
    await harness.sleep(timedelta(hours=5))
    await harness.settled(handle)
    assert harness.outbox(handle.id) == []
    assert harness.kinds(handle.id)[-2:] == ["type_changed", "sla_switched_off"]


async def test_a_refused_change_says_why(harness: Harness) -> None:
    handle = await harness.start("minor", plan="standard", policy=policy_from(RETARGETING_POLICY))
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await send(handle, SeverityChange("minor", "a"))
    assert "already minor" in str(refused.value.cause)


async def test_plan_change_takes_the_new_targets_and_chain(harness: Harness) -> None:
    policy = policy_from(RETARGETING_POLICY)
    handle = await harness.start("major", plan="standard", policy=policy)
    await harness.sleep(timedelta(minutes=30))
    premium = policy.snapshot("premium", TAM, await harness.env.get_current_time())
    view = await send(handle, PlanChange(premium, "admin:ops", "customer upgraded"))
    assert view.plan == "premium"
    await harness.sleep(timedelta(minutes=31))
    # The premium hour is up (30 minutes used before the change): breached, and the
    # escalation goes to premium's chain.
    sent = await harness.outbox_kinds(handle.id, 3)
    assert ("escalation", "lead") in sent


async def test_a_policy_applied_then_rolled_back(harness: Harness) -> None:
    old_policy = policy_from(RETARGETING_POLICY)
    new_policy = policy_from(RETARGETING_POLICY.replace('major = "44h"', 'major = "20h"'))
    handle = await harness.start("major", plan="standard", policy=old_policy)
    opened = (await harness.sla(handle)).created_at
    old = old_policy.snapshot("standard", TAM, opened)
    new = new_policy.snapshot("standard", TAM, opened)
    view = await send(handle, PlanChange(new, "admin:ops"))
    assert view.policy_hash == new_policy.content_hash
    assert close_to(clock_of(view, "first_response").due_at,  # type: ignore[attr-defined]
                    opened + timedelta(hours=20))
    view = await send(handle, PlanChange(old, "admin:ops", "rolled back"))
    assert view.policy_hash == old_policy.content_hash
    assert close_to(clock_of(view, "first_response").due_at,  # type: ignore[attr-defined]
                    opened + timedelta(hours=44))
    details = [event.detail for event in harness.timeline(handle.id)
               if event.kind == "plan_changed"]
    assert details == [
        f"policy test-policy.toml@{old_policy.content_hash} → test-policy.toml@"
        f"{new_policy.content_hash}; first response 1d20h → 20h",
        f"policy test-policy.toml@{new_policy.content_hash} → test-policy.toml@"
        f"{old_policy.content_hash}; rolled back; first response 20h → 1d20h",
    ]


async def test_a_warning_to_the_tam_at_23_is_delivered_at_9_their_time(harness: Harness) -> None:
    # Opened Tuesday 14:00 in Rome: 75% of the 44 hours is Wednesday 23:00 (due Thursday 10:00).
    opened = next_tuesday(await harness.env.get_current_time(), 14)
    await harness.sleep_until(opened)
    handle = await harness.start("major", plan="standard", policy=policy_from(RETARGETING_POLICY))
    eleven_pm = opened + timedelta(hours=33)
    nine_am = opened + timedelta(hours=43)  # Thursday 09:00, when the TAM's hours begin
    await harness.sleep_until(eleven_pm + timedelta(minutes=1))
    view = await harness.settled(handle)
    [held] = view.held_notices
    assert (held.kind, held.recipient, held.role) == ("sla_warning", TAM.name, "tam")
    assert close_to(held.created_at, eleven_pm)
    assert held.send_at == nine_am
    assert "notice_held" in harness.kinds(handle.id)
    await harness.sleep_until(nine_am - timedelta(minutes=1))
    await harness.settled(handle)
    assert harness.outbox(handle.id) == []
    await harness.sleep_until(nine_am + timedelta(minutes=1))
    assert await harness.outbox_kinds(handle.id, 1) == [("sla_warning", "tam")]
    assert (await harness.sla(handle)).held_notices == []


async def test_an_urgent_warning_at_23_goes_at_23(harness: Harness) -> None:
    # Critical: 30 minutes, so 75% falls at 23:00 for a ticket opened at 22:37:30.
    opened = next_tuesday(await harness.env.get_current_time(), 22, 37) + timedelta(seconds=30)
    await harness.sleep_until(opened)
    handle = await harness.start("critical", plan="standard", policy=policy_from(RETARGETING_POLICY))
    await harness.sleep_until(opened + timedelta(minutes=23))
    assert await harness.outbox_kinds(handle.id, 1) == [("sla_warning", "tam")]
    assert (await harness.sla(handle)).held_notices == []

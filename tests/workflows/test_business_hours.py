"""Business-hour clocks on the real workflow: nights and weekends do not count."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.support.domain import OFFICE
from tests.support.harness import Harness, policy_from

ROME = ZoneInfo("Europe/Rome")


def next_friday_at_four(now: datetime) -> datetime:
    local = now.astimezone(ROME)
    friday = local.date() + timedelta(days=(4 - local.weekday()) % 7 or 7)
    return datetime(friday.year, friday.month, friday.day, 16, tzinfo=ROME)


async def sleep_until(harness: Harness, instant: datetime) -> None:
    now = await harness.env.get_current_time()
    await harness.sleep(instant - now)


async def test_a_business_hours_clock_does_not_fire_at_night(harness: Harness) -> None:
    friday = next_friday_at_four(await harness.env.get_current_time())
    await sleep_until(harness, friday)
    handle = await harness.start("critical", policy=policy_from(OFFICE))  # 4 business hours
    view = await harness.sla(handle)
    first = next(c for c in view.clocks if c.name == "first_response")
    # Friday 16-18 is 2 hours, Saturday 09-11 the other 2.
    saturday = friday + timedelta(days=1)
    assert first.due_at is not None
    # (The workflow starts a moment after 16:00: the test itself takes real milliseconds.)
    assert abs(first.due_at - saturday.replace(hour=11)) < timedelta(seconds=2)

    await sleep_until(harness, saturday.replace(hour=9, minute=30))
    await harness.settled(handle)
    assert harness.outbox(handle.id) == []  # the night did not count
    await sleep_until(harness, saturday.replace(hour=10, minute=5))
    # No assignee and no `unassigned` contact: warnings go to the first level, the TAM.
    assert await harness.outbox_kinds(handle.id, 1) == [("sla_warning", "tam")]
    await sleep_until(harness, saturday.replace(hour=11, minute=5))
    sent = await harness.outbox_kinds(handle.id, 3)
    assert sent[1:] == [("sla_breach", "tam"), ("escalation", "tam")]
    breach = harness.outbox(handle.id)[1]
    assert abs(breach.created_at - saturday.replace(hour=11)) < timedelta(seconds=2)

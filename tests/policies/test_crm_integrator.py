"""The CRM integrator's support tiers, as the document promises them (policies/crm-integrator.toml).

Engagement time: Flow 7+ business days, Basic up to 2 business days, Premium up to 4
business hours, VIP up to 2 hours; no resolution time on any tier.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.support.harness import Harness
from tests.support.moments import (
    FRIDAY,
    SATURDAY,
    THURSDAY,
    close_to,
    next_weekday,
    next_working_weekday,
    policy,
    working_day,
)

MOSCOW = ZoneInfo("Europe/Moscow")
CRM = policy("crm-integrator")


def closed_dates(at: datetime) -> set[str]:
    calendar = CRM.snapshot("basic", None, at).calendar
    assert calendar is not None
    return set(calendar.closed_dates)


async def test_vip_engagement_is_two_hours_even_on_saturday_night(harness: Harness) -> None:
    saturday = next_weekday(await harness.env.get_current_time(), SATURDAY, time(22), MOSCOW)
    await harness.sleep_until(saturday)
    handle = await harness.start("minor", plan="vip", policy=CRM)
    view = await harness.sla(handle)
    assert [clock.name for clock in view.clocks] == ["first_response"]  # no resolution time
    assert close_to(view.clocks[0].due_at, saturday + timedelta(hours=2))


async def test_premium_engagement_is_four_business_hours(harness: Harness) -> None:
    now = await harness.env.get_current_time()
    friday = next_working_weekday(now, FRIDAY, time(17), MOSCOW, sorted(closed_dates(now)))
    await harness.sleep_until(friday)
    handle = await harness.start("minor", plan="premium", policy=CRM)
    first = await harness.clock(handle, "first_response")
    # One hour on Friday, three on the next working day from 09:00.
    next_day = working_day(friday.date(), 1, closed_dates(friday))
    assert close_to(first.due_at, datetime.combine(next_day, time(12), tzinfo=MOSCOW))


async def test_basic_engagement_is_two_business_days(harness: Harness) -> None:
    now = await harness.env.get_current_time()
    thursday = next_working_weekday(now, THURSDAY, time(15), MOSCOW, sorted(closed_dates(now)))
    await harness.sleep_until(thursday)
    handle = await harness.start("minor", plan="basic", policy=CRM)
    first = await harness.clock(handle, "first_response")
    due_day = working_day(thursday.date(), 2, closed_dates(thursday))
    assert close_to(first.due_at, datetime.combine(due_day, time(15), tzinfo=MOSCOW))


async def test_flows_seven_plus_business_days_is_a_lower_bound_not_a_deadline(
    harness: Harness,
) -> None:
    """"Общая очередь 7+ раб. дня": at least seven business days; nothing breaches."""
    handle = await harness.start("minor", plan="flow", policy=CRM)
    assert (await harness.sla(handle)).clocks == []
    await harness.sleep(timedelta(days=30))
    await harness.settled(handle)
    assert harness.outbox(handle.id) == []
    view = await harness.sla(handle)
    assert not view.breached and view.status == "open"  # and no automatic closing either


def test_online_chat_is_refused_with_the_documents_reason() -> None:
    refused = CRM.refusal(None, "chat")
    assert refused is not None
    assert refused[0] == "channel"
    assert "онлайн чат не является средством коммуникации" in refused[1]
    assert CRM.refusal(None, "email") is None

"""Bird Premium Email support, as the document promises it (policies/bird-email-premium.toml).

"An agent responds by email during business hours"; "the TAM is the escalation point during
business hours"; "customer and Bird agree jointly when an issue is resolved". The document
names no hours and no time: the office hours and the 8 business hours are internal targets.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support.harness import Harness, send
from tests.support.moments import (
    FRIDAY,
    close_to,
    next_weekday_holiday,
    next_working_weekday,
    policy,
    working_day,
)
from workflows.messages import Confirmation, ResolutionProposal

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
BIRD = policy("bird-email-premium")


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=AMSTERDAM)


@pytest.mark.parametrize("ticket_type", ["problem", "configuration", "information"])
async def test_a_friday_evening_ticket_is_answered_on_monday_afternoon(
    harness: Harness, ticket_type: str
) -> None:
    """Problems, configuration requests and information requests all follow this flow."""
    now = await harness.env.get_current_time()
    holidays = BIRD.snapshot("premium", None, now).calendar
    assert holidays is not None
    # A Friday that is itself a working day (Good Friday, say, is not).
    friday = next_working_weekday(now, FRIDAY, time(17), AMSTERDAM, holidays.closed_dates)
    await harness.sleep_until(friday)
    handle = await harness.start("major", plan="premium", policy=BIRD, ticket_type=ticket_type)
    first = await harness.clock(handle, "first_response")
    # One business hour on Friday (17-18), seven on Monday (09-16).
    monday = friday.date() + timedelta(days=3)
    calendar = BIRD.snapshot("premium", None, friday).calendar
    assert calendar is not None
    # Monday, unless Monday is a public holiday: then the next working day.
    expected_day = working_day(friday.date(), 1, set(calendar.closed_dates))
    assert expected_day == monday or monday.isoformat() in calendar.closed_dates
    assert close_to(first.due_at, at(expected_day, 16))

    await harness.sleep_until(at(expected_day, 12))
    await harness.settled(handle)
    assert harness.outbox(handle.id) == []  # the weekend did not count
    await harness.sleep_until(at(expected_day, 16) + timedelta(minutes=1))
    sent = await harness.outbox_kinds(handle.id, 3)
    # In business hours the breach escalates to the customer's TAM.
    assert sent[-1] == ("escalation", "tam")


async def test_public_holidays_do_not_count(harness: Harness) -> None:
    now = await harness.env.get_current_time()
    # A week ahead, so the working day before it is still to come.
    calendar = BIRD.snapshot("premium", None, now).calendar
    assert calendar is not None
    holiday = next_weekday_holiday(now + timedelta(days=7), calendar)
    day_before = holiday - timedelta(days=1)
    closed = set(calendar.closed_dates)
    while day_before.weekday() >= 5 or day_before.isoformat() in closed:
        day_before -= timedelta(days=1)
    await harness.sleep_until(at(day_before, 17))
    handle = await harness.start("minor", plan="premium", policy=BIRD)
    first = await harness.clock(handle, "first_response")
    next_working_day = working_day(day_before, 1, closed)
    assert next_working_day > holiday
    assert close_to(first.due_at, at(next_working_day, 16))


async def test_the_case_closes_only_when_customer_and_bird_agree(harness: Harness) -> None:
    handle = await harness.start("minor", plan="premium", policy=BIRD)
    await send(handle, ResolutionProposal("ana", "DKIM record fixed"))
    await harness.sleep(timedelta(days=30))
    assert (await harness.sla(handle)).status == "resolution_proposed"
    view = await send(handle, Confirmation("agreed"))
    assert view.status == "closed"

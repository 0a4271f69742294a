"""Bird Enterprise Email support, as the document promises it (policies/bird-email-enterprise.toml).

Problems are answered during business hours (the hours and the time are this file's
internal targets: the document names neither); after a call to the emergency number an agent
calls back within 15 minutes, 24/7/365, and then sends updates at agreed intervals; the TAM
is the escalation point during business hours.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla.ticket.state import EmergencyCall
from tests.support.harness import Harness, send
from tests.support.moments import (
    FRIDAY,
    SATURDAY,
    close_to,
    next_clock_change,
    next_weekday,
    next_working_weekday,
    policy,
)
from workflows.messages import AgentResponse
from workflows.ticket import TicketWorkflow

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
BIRD = policy("bird-email-enterprise")


async def test_a_critical_ticket_without_a_call_has_no_15_minute_clock(harness: Harness) -> None:
    """The 15 minutes are the callback after a call to Emergency Number 1, not a first
    response to every critical ticket."""
    saturday = next_weekday(await harness.env.get_current_time(), SATURDAY, time(23), AMSTERDAM)
    await harness.sleep_until(saturday)
    handle = await harness.start("critical", plan="enterprise", policy=BIRD)
    view = await harness.sla(handle)
    assert [clock.name for clock in view.clocks] == ["first_response"]
    first = view.clocks[0]
    assert first.kind == "internal target"
    assert first.due_at is not None and first.due_at - saturday > timedelta(hours=24)
    await harness.sleep(timedelta(minutes=16))
    await harness.settled(handle)
    assert harness.outbox(handle.id) == []


async def test_a_call_on_saturday_night_is_called_back_within_15_minutes(
    harness: Harness,
) -> None:
    saturday = next_weekday(await harness.env.get_current_time(), SATURDAY, time(23), AMSTERDAM)
    await harness.sleep_until(saturday)
    handle = await harness.start("critical", plan="enterprise", policy=BIRD)
    taken = await harness.env.get_current_time()
    await handle.execute_update(TicketWorkflow.record_call, EmergencyCall(
        call_id="CA-saturday", taken_at=taken, source="intake", company_name="Acme Mail",
        contact_name="Rita", contact_phone="+390200000001", contact_email="rita@acme.example",
        description="every SMTP injection times out"))
    callback = await harness.clock(handle, "callback")
    assert callback.kind == "commitment"
    assert close_to(callback.due_at, taken + timedelta(minutes=15))  # 24/7, not office hours

    await harness.sleep(timedelta(minutes=16))
    sent = await harness.outbox_kinds(handle.id, 2)
    # The TAM is no escalation point at 23:15 on a Saturday: the duty engineer is paged.
    assert ("page", "duty_engineer") in sent


async def test_a_non_critical_problem_on_friday_evening_is_answered_on_monday(
    harness: Harness,
) -> None:
    now = await harness.env.get_current_time()
    holidays = BIRD.snapshot("enterprise", None, now).calendar
    assert holidays is not None
    # A Friday that is itself a working day (Good Friday, say, is not).
    friday = next_working_weekday(now, FRIDAY, time(17), AMSTERDAM, holidays.closed_dates)
    await harness.sleep_until(friday)
    handle = await harness.start("major", plan="enterprise", policy=BIRD)
    first = await harness.clock(handle, "first_response")
    monday = friday.date() + timedelta(days=3)
    calendar = BIRD.snapshot("enterprise", None, friday).calendar
    assert calendar is not None
    if monday.isoformat() not in calendar.closed_dates:
        # 17-18 on Friday, then 09-16 on Monday: eight business hours.
        assert close_to(first.due_at, datetime.combine(monday, time(16), tzinfo=AMSTERDAM))
        await harness.sleep_until(datetime.combine(monday, time(16, 1), tzinfo=AMSTERDAM))
        sent = await harness.outbox_kinds(handle.id, 3)
        assert sent[-1] == ("escalation", "tam")  # in office hours the TAM is told
    else:
        assert first.due_at is not None and first.due_at.astimezone(AMSTERDAM).date() > monday


@pytest.mark.parametrize("changes_ahead", [1, 2], ids=["next change", "the one after"])
async def test_updates_follow_real_hours_the_night_the_clocks_change(
    harness: Harness, changes_ahead: int,
) -> None:
    # The next two changes are one spring and one autumn night, whatever today's date.
    change = await harness.env.get_current_time()
    for _ in range(changes_ahead):
        change = next_clock_change(change, AMSTERDAM)
    # Half an hour before the clocks change, spring or autumn, so the hour straddles it.
    opened = change - timedelta(minutes=30)
    await harness.sleep_until(opened)
    handle = await harness.start("critical", plan="enterprise", policy=BIRD)
    view = await send(handle, AgentResponse("ana", "On it"))
    responded = view.as_of
    update = next(c for c in view.clocks if c.name == "next_update")
    # An hourly update is an hour of real time, whatever the wall clock says.
    assert close_to(update.due_at, responded + timedelta(hours=1))
    assert update.due_at is not None
    wall = update.due_at.astimezone(AMSTERDAM)
    offset_changed = opened.utcoffset() != wall.utcoffset()
    assert offset_changed
    expected_wall = (responded.astimezone(UTC) + timedelta(hours=1)).astimezone(AMSTERDAM)
    assert (wall.hour, wall.minute) == (expected_wall.hour, expected_wall.minute)
    assert wall.hour in (2, 3)  # 03:30 in spring (02:30 does not exist), 02:30 again in autumn

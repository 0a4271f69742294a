"""Business-hour arithmetic: exact cases people check by hand, then properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla.policy.calendars import ALWAYS_OPEN, BusinessCalendar, CalendarNeverOpen, CalendarSpec

ROME = ZoneInfo("Europe/Rome")
NINE_TO_SIX = [[9 * 60, 18 * 60]]


def office(zone: str = "Europe/Rome", **changes: object) -> BusinessCalendar:
    spec = CalendarSpec(name="office", time_zone=zone,
                        weekly=[NINE_TO_SIX] * 5 + [[], []])
    for key, value in changes.items():
        setattr(spec, key, value)
    return BusinessCalendar(spec)


def rome(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=ROME)


def test_inside_hours_a_duration_is_plain_addition() -> None:
    assert office().add(rome(2026, 3, 2, 10), timedelta(hours=4)) == rome(2026, 3, 2, 14)


def test_friday_evening_rolls_over_the_weekend() -> None:
    # Friday 17:00 + 4 business hours = 1h on Friday + 3h on Monday.
    assert office().add(rome(2026, 3, 6, 17), timedelta(hours=4)) == rome(2026, 3, 9, 12)


def test_a_night_start_counts_from_the_next_opening() -> None:
    assert office().add(rome(2026, 3, 2, 23), timedelta(hours=1)) == rome(2026, 3, 3, 10)


def test_the_day_clocks_change_is_still_nine_hours() -> None:
    calendar = office()
    # Europe/Rome springs forward on Sunday 29 March 2026 and falls back on 25 October;
    # make those Sundays working days to see the day itself.
    calendar.spec.weekly = [NINE_TO_SIX] * 7
    for day in (rome(2026, 3, 29), rome(2026, 10, 25)):
        assert calendar.elapsed(day, day + timedelta(days=1)) == timedelta(hours=9)
    # And 24x7 really is 23 and 25 hours those days.
    spring = rome(2026, 3, 29).astimezone(UTC)
    assert ALWAYS_OPEN.elapsed(spring, rome(2026, 3, 30).astimezone(UTC)) == timedelta(hours=23)


def test_holidays_and_exceptions() -> None:
    calendar = office(closed_dates=["2026-12-24", "2026-12-25"],
                      open_exceptions={"2026-12-27": [[10 * 60, 14 * 60]]})
    # Wednesday 23 Dec 17:00 + 3h: 1h Wed, 24th and 25th closed, 26th Saturday closed,
    # Sunday 27th open 10-14 by exception: 2h more.
    assert calendar.add(rome(2026, 12, 23, 17), timedelta(hours=3)) == rome(2026, 12, 27, 12)


def test_overnight_shift() -> None:
    calendar = BusinessCalendar(CalendarSpec(
        name="night", time_zone="Europe/Rome", weekly=[[[22 * 60, 6 * 60]]] * 7))
    assert calendar.add(rome(2026, 3, 2, 12), timedelta(hours=3)) == rome(2026, 3, 3, 1)
    assert calendar.add(rome(2026, 3, 3, 5), timedelta(hours=2)) == rome(2026, 3, 3, 23)
    assert calendar.elapsed(rome(2026, 3, 2), rome(2026, 3, 3)) == timedelta(hours=8)


def test_business_days_keep_the_time_of_day() -> None:
    calendar = office()
    assert calendar.add_days(rome(2026, 3, 5, 15), 2) == rome(2026, 3, 9, 15)  # Thu -> Mon
    assert calendar.add_days(rome(2026, 3, 7, 11), 1) == rome(2026, 3, 10, 9)  # Sat -> Mon 9 +1


def test_a_calendar_that_never_opens_says_so() -> None:
    closed = BusinessCalendar(CalendarSpec(name="never", time_zone="UTC"))
    with pytest.raises(CalendarNeverOpen, match="'never'"):
        closed.add(datetime(2026, 1, 1, tzinfo=UTC), timedelta(hours=1))


# --- properties ------------------------------------------------------------------

ZONES = ["Europe/Rome", "America/New_York", "Asia/Jakarta", "Australia/Lord_Howe",
         "America/Bogota", "Europe/Moscow", "Pacific/Chatham", "UTC"]

instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31),
                        timezones=st.just(UTC))
durations = st.integers(min_value=1, max_value=60 * 60 * 24 * 20).map(lambda s: timedelta(seconds=s))
interval = st.tuples(st.integers(0, 23 * 60), st.integers(30, 12 * 60)).map(
    lambda pair: [pair[0], (pair[0] + pair[1]) % (24 * 60)])
weeks = st.lists(st.lists(interval, max_size=2), min_size=7, max_size=7).filter(
    lambda week: any(week))


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    return BusinessCalendar(CalendarSpec(
        name="drawn", time_zone=draw(st.sampled_from(ZONES)), weekly=draw(weeks),
        closed_dates=draw(st.lists(st.dates(min_value=datetime(2025, 1, 1).date(),
                                            max_value=datetime(2029, 1, 1).date()).map(str),
                                   max_size=20)),
    ))


@settings(max_examples=150, deadline=None)
@given(calendars(), instants, durations)
def test_adding_then_measuring_gives_the_duration_back(
    calendar: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    due = calendar.add(start, duration)
    assert calendar.elapsed(start, due) == duration


@settings(max_examples=150, deadline=None)
@given(calendars(), instants, durations)
def test_due_times_never_fall_in_closed_time(
    calendar: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    due = calendar.add(start, duration)
    # Open just before the due time: it ends an open stretch, it does not sit in a closed one.
    assert calendar.elapsed(due - timedelta(seconds=1), due) == timedelta(seconds=1)


@settings(max_examples=150, deadline=None)
@given(calendars(), instants, durations, durations, durations)
def test_splitting_across_a_pause_ends_where_the_running_total_ends(
    calendar: BusinessCalendar, start: datetime, first: timedelta, pause: timedelta,
    second: timedelta,
) -> None:
    paused_at = calendar.add(start, first)
    resumed_at = paused_at + pause
    split_end = calendar.add(resumed_at, second)
    assert calendar.elapsed(start, paused_at) + calendar.elapsed(resumed_at, split_end) == (
        first + second)
    # Without the pause, the same total lands no later.
    assert calendar.add(start, first + second) <= split_end


@settings(max_examples=100, deadline=None)
@given(instants, durations, st.sampled_from(ZONES), st.sampled_from(ZONES))
def test_a_24x7_calendar_gives_the_same_answer_in_every_zone(
    start: datetime, duration: timedelta, zone: str, other: str
) -> None:
    around_the_clock = [[[0, 24 * 60]]] * 7
    one = BusinessCalendar(CalendarSpec(name="a", time_zone=zone, weekly=around_the_clock))
    two = BusinessCalendar(CalendarSpec(name="b", time_zone=other, weekly=around_the_clock))
    assert one.add(start, duration) == two.add(start, duration) == start + duration
    end = start + duration
    assert one.elapsed(start, end) == two.elapsed(start, end) == duration

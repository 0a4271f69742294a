"""Concrete instants for policy tests: the next Friday evening, holiday, change of clocks.

The time-skipping test server only moves forward, so each test asks for the next such
instant after the server's current time and states the document's promise from there.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sla.policy.calendars import CalendarSpec
from sla.policy.loading import load_policy
from sla.policy.rules import Policy

POLICIES = Path(__file__).resolve().parents[2] / "policies"
MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)


def policy(name: str) -> Policy:
    return load_policy(POLICIES / f"{name}.toml")


def next_weekday(after: datetime, weekday: int, at: time, zone: ZoneInfo) -> datetime:
    """The first ``weekday`` at local time ``at`` that is at least a day after ``after``."""
    day = after.astimezone(zone).date() + timedelta(days=1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return datetime.combine(day, at, tzinfo=zone)


def next_working_weekday(after: datetime, weekday: int, at: time, zone: ZoneInfo,
                         closed: list[str]) -> datetime:
    """Like :func:`next_weekday`, skipping the ones that are public holidays."""
    found = next_weekday(after, weekday, at, zone)
    while found.date().isoformat() in closed:
        found = next_weekday(found, weekday, at, zone)
    return found


def next_weekday_holiday(after: datetime, calendar: CalendarSpec) -> date:
    """The next closed date (public holiday) that falls Monday to Friday."""
    start = after.astimezone(ZoneInfo(calendar.time_zone)).date() + timedelta(days=1)
    for text in calendar.closed_dates:
        day = date.fromisoformat(text)
        if day >= start and day.weekday() < SATURDAY:
            return day
    raise AssertionError("no weekday holiday ahead in the snapshot")


def working_day(after: date, count: int, closed: set[str]) -> date:
    """The ``count``-th weekday after ``after`` that is not a closed date (an independent count)."""
    day = after
    while count:
        day += timedelta(days=1)
        if day.weekday() < SATURDAY and day.isoformat() not in closed:
            count -= 1
    return day


def next_clock_change(after: datetime, zone: ZoneInfo) -> datetime:
    """The next instant (UTC) at which the zone's UTC offset changes."""
    instant = after.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    offset = instant.astimezone(zone).utcoffset()
    for _ in range(24 * 400):
        instant += timedelta(hours=1)
        if instant.astimezone(zone).utcoffset() != offset:
            return instant
    raise AssertionError(f"{zone} does not change its clocks")


def close_to(actual: datetime | None, expected: datetime, seconds: float = 2) -> bool:
    """Equal but for the real milliseconds a test spends between two server instants."""
    return actual is not None and abs(actual - expected) <= timedelta(seconds=seconds)


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)

"""Business-hour calendars: when SLA time counts, and the arithmetic on it.

A calendar is open during weekly intervals in an IANA time zone, closed on listed
dates (public holidays are resolved into dates when a ticket is created, see
``sla.policy``), and open differently on listed exception dates. All arithmetic
is on UTC instants: local wall times are converted interval by interval, so a
09:00-18:00 day is 9 hours long on the day the clocks change, and a duration
never counts the hour that does not exist or counts the repeated one twice.

Pure and deterministic, so it runs inside workflow code. ``sla`` is passed
through Temporal's sandbox (``workflows.sandbox``), so ``zoneinfo`` reads its
zone files through the real module rather than the sandbox's restricted one; the
``tzdata`` package pins the zone data with the project.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
#: A calendar with no opening in this many days is treated as broken, not waited on.
LONGEST_CLOSURE_DAYS = 800
ALWAYS_OPEN_NAME = "24x7"


class Calendar(Protocol):
    """Counts SLA time: only the time a calendar is open counts towards a target."""

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` of counted time has passed since ``start``."""
        ...

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Counted time between two instants (zero when ``end`` is not after ``start``)."""
        ...

    def is_open(self, instant: datetime) -> bool: ...


class AlwaysOpen:
    """The 24/7 calendar: every second counts."""

    def add(self, start: datetime, duration: timedelta) -> datetime:
        return start + duration

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        return max(end - start, timedelta(0))

    def is_open(self, instant: datetime) -> bool:
        return True


ALWAYS_OPEN = AlwaysOpen()


@dataclass
class CalendarSpec:
    """A calendar as data (it travels in the ticket's snapshot).

    ``weekly`` has seven entries, Monday first, each a list of ``[start, end]``
    minutes after local midnight; ``end <= start`` is an overnight shift that ends
    the next day. ``closed_dates`` and the keys of ``open_exceptions`` are ISO dates.
    """

    name: str
    time_zone: str
    weekly: list[list[list[int]]] = field(default_factory=lambda: [[] for _ in range(7)])
    closed_dates: list[str] = field(default_factory=list)
    open_exceptions: dict[str, list[list[int]]] = field(default_factory=dict)


class CalendarNeverOpen(ValueError):
    """The calendar has no open time within :data:`LONGEST_CLOSURE_DAYS` of an instant."""


class BusinessCalendar:
    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.zone = ZoneInfo(spec.time_zone)
        self.closed = {date.fromisoformat(day) for day in spec.closed_dates}
        self.exceptions = {date.fromisoformat(day): hours
                           for day, hours in spec.open_exceptions.items()}

    def _hours(self, day: date) -> list[list[int]]:
        if day in self.exceptions:
            return self.exceptions[day]
        if day in self.closed:
            return []
        return self.spec.weekly[day.weekday()]

    def _instant(self, day: date, minute: int) -> datetime:
        extra_days, minute = divmod(minute, MINUTES_PER_DAY)
        local = datetime.combine(day + timedelta(days=extra_days),
                                 time(minute // 60, minute % 60), tzinfo=self.zone)
        return local.astimezone(UTC)

    def open_intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals in UTC, in order, overlapping ones merged, from the one holding ``start``."""
        # Begin a day early: yesterday's overnight shift may still be open at ``start``.
        first_day = start.astimezone(self.zone).date() - timedelta(days=1)
        pending: tuple[datetime, datetime] | None = None
        days_without_opening = 0
        for offset in range(LONGEST_CLOSURE_DAYS * 10):
            day = first_day + timedelta(days=offset)
            hours = sorted(self._hours(day))
            days_without_opening = 0 if hours else days_without_opening + 1
            if days_without_opening > LONGEST_CLOSURE_DAYS:
                break
            for opening, closing in hours:
                if closing <= opening:
                    closing += MINUTES_PER_DAY
                begin, end = self._instant(day, opening), self._instant(day, closing)
                if end <= begin:
                    continue
                if pending is not None and begin <= pending[1]:
                    pending = (pending[0], max(pending[1], end))
                    continue
                if pending is not None and pending[1] > start:
                    yield pending
                pending = (begin, end)
            next_midnight = self._instant(day + timedelta(days=1), 0)
            if pending is not None and pending[1] <= next_midnight:
                # Nothing later can overlap it any more (an adjacent one may follow): hand it out.
                if pending[1] > start:
                    yield pending
                pending = None
        if pending is not None and pending[1] > start:
            yield pending
            return
        raise CalendarNeverOpen(
            f"calendar {self.spec.name!r} is not open for {LONGEST_CLOSURE_DAYS} days after {start}"
        )

    def add(self, start: datetime, duration: timedelta) -> datetime:
        remaining = duration
        for begin, end in self.open_intervals(start):
            begin = max(begin, start)
            if end - begin >= remaining:
                return begin + remaining
            remaining -= end - begin
        raise AssertionError("unreachable: open_intervals raises when the calendar stays closed")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        total = timedelta(0)
        if end <= start:
            return total
        for begin, finish in self.open_intervals(start):
            if begin >= end:
                break
            total += min(finish, end) - max(begin, start)
        return total

    def is_open(self, instant: datetime) -> bool:
        begin, _end = next(self.open_intervals(instant))
        return begin <= instant

    def add_days(self, start: datetime, days: int) -> datetime:
        """``days`` business days after ``start``: the same local time that many open days on.

        A start in closed time first moves to the next opening. When that time of
        day is not open on the target day, the due time is the next opening after it.
        """
        begin, _end = next(self.open_intervals(start))
        anchor = max(begin, start).astimezone(self.zone)
        day = anchor.date()
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self._hours(day):
                counted += 1
        target = datetime.combine(day, anchor.time(), tzinfo=self.zone).astimezone(UTC)
        opening, _ = next(self.open_intervals(target))
        return max(opening, target)


_built: dict[str, Calendar] = {}


def calendar_for(spec: CalendarSpec | None) -> Calendar:
    """The calendar of a spec, built once per process (``None`` is the 24/7 calendar).

    A pure cache: every workflow that shares a spec shares an identical calendar.
    """
    if spec is None:
        return ALWAYS_OPEN
    key = repr(spec)
    found = _built.get(key)
    if found is None:
        if len(_built) > 512:
            _built.clear()
        found = _built[key] = BusinessCalendar(spec)
    return found

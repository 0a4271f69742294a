"""SLA clocks: how much of a target is used, when it is due, when to warn.

All arithmetic on time goes through a :class:`Calendar`, so business-hour
calendars can replace :class:`AlwaysOpen` without touching the clock logic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

ClockName = Literal["first_response", "next_update", "resolution"]
ClockPublicState = Literal["running", "paused", "met", "breached"]


class Calendar(Protocol):
    """Counts SLA time: only the time a calendar is open counts towards a target."""

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` of counted time has passed since ``start``."""
        ...

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Counted time between two instants (zero when ``end`` is not after ``start``)."""
        ...


class AlwaysOpen:
    """The 24/7 calendar: every second counts."""

    def add(self, start: datetime, duration: timedelta) -> datetime:
        return start + duration

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        return max(end - start, timedelta(0))


ALWAYS_OPEN = AlwaysOpen()


@dataclass
class Clock:
    """One SLA clock of one ticket.

    ``used_seconds`` is the counted time before ``running_since``; while the
    clock runs, the time since ``running_since`` is added on top. A breached
    clock keeps running (the resolution work is still owed) but breaches once.
    """

    name: str
    target_seconds: float
    running_since: datetime | None = None
    used_seconds: float = 0.0
    stopped_at: datetime | None = None
    warned: bool = False
    breached_at: datetime | None = None

    @property
    def running(self) -> bool:
        return self.running_since is not None

    @property
    def stopped(self) -> bool:
        return self.stopped_at is not None

    def public_state(self) -> ClockPublicState:
        if self.breached_at is not None:
            return "breached"
        if self.stopped:
            return "met"
        return "running" if self.running else "paused"

    def used(self, now: datetime, calendar: Calendar = ALWAYS_OPEN) -> timedelta:
        used = timedelta(seconds=self.used_seconds)
        if self.running_since is not None:
            used += calendar.elapsed(self.running_since, now)
        return used

    def remaining(self, now: datetime, calendar: Calendar = ALWAYS_OPEN) -> timedelta:
        return timedelta(seconds=self.target_seconds) - self.used(now, calendar)

    def _instant_at_fraction(self, fraction: float, calendar: Calendar) -> datetime | None:
        if self.running_since is None:
            return None
        left = timedelta(seconds=self.target_seconds * fraction - self.used_seconds)
        return calendar.add(self.running_since, max(left, timedelta(0)))

    def due_at(self, calendar: Calendar = ALWAYS_OPEN) -> datetime | None:
        """When the clock breaches if it keeps running; None while paused or stopped."""
        return self._instant_at_fraction(1.0, calendar)

    def warn_due_at(self, warn_at: float, calendar: Calendar = ALWAYS_OPEN) -> datetime | None:
        if self.warned or self.breached_at is not None:
            return None
        return self._instant_at_fraction(warn_at, calendar)

    def pause(self, now: datetime, calendar: Calendar = ALWAYS_OPEN) -> None:
        if self.running_since is not None:
            self.used_seconds = self.used(now, calendar).total_seconds()
            self.running_since = None

    def resume(self, now: datetime) -> None:
        if self.running_since is None and not self.stopped:
            self.running_since = now

    def stop(self, now: datetime, calendar: Calendar = ALWAYS_OPEN) -> None:
        self.pause(now, calendar)
        if self.stopped_at is None:
            self.stopped_at = now

    def unstop(self, now: datetime) -> None:
        """Run again from where the clock stood (a reopened ticket keeps its used time)."""
        self.stopped_at = None
        self.resume(now)

    def restart(self, now: datetime) -> None:
        """A fresh cycle of a periodic clock (next update): nothing used, nothing warned."""
        self.used_seconds = 0.0
        self.running_since = now
        self.stopped_at = None
        self.warned = False
        self.breached_at = None

"""SLA clocks: how much of a target is used, when it is due, when to warn.

All arithmetic on time goes through the clock's calendar (``sla.policy.calendars``):
24/7 when the clock has none, business hours when it has one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sla.policy.calendars import Calendar, CalendarSpec, calendar_for
from sla.vocabulary import ClockName as ClockName  # importable from here as before
from sla.vocabulary import ClockState

#: What a target is, as every view labels it: the contract states it, or the team assumes it.
COMMITMENT, INTERNAL_TARGET = "commitment", "internal target"
#: The old name of ``ClockState``.
ClockPublicState = ClockState


def target_kind(internal: bool) -> str:
    return INTERNAL_TARGET if internal else COMMITMENT


@dataclass
class RunPeriod:
    """A stretch of wall-clock time the clock ran; kept so its used time can be counted
    again in another calendar (a severity change from business hours to 24/7)."""

    start: datetime
    end: datetime


@dataclass
class Clock:
    """One SLA clock of one ticket.

    ``used_seconds`` is the counted time before ``running_since``; while the
    clock runs, the time since ``running_since`` is added on top. A breached
    clock keeps running (the resolution work is still owed) but breaches once.
    """

    #: A ``ClockName`` (typed ``str``: read back from a payload it is the plain string).
    name: str
    target_seconds: float
    running_since: datetime | None = None
    #: Where the clock counts only business hours; None counts every second.
    calendar: CalendarSpec | None = None
    #: A ranged target's expected time (0: no range); passing it escalates before the breach.
    expected_seconds: float = 0.0
    expected_missed: bool = False
    used_seconds: float = 0.0
    stopped_at: datetime | None = None
    warned: bool = False
    breached_at: datetime | None = None
    #: When the current cycle started (the business-days target is counted from it);
    #: None in clocks started before it was recorded.
    started_at: datetime | None = None
    #: Closed stretches of running time of the current cycle (empty in older clocks:
    #: their earlier time is carried in ``used_seconds`` alone).
    run_periods: list[RunPeriod] = field(default_factory=list)
    #: New targets dropped the clock (a severity, type, plan or policy change).
    ended_at: datetime | None = None
    #: Runs toward an internal target (an OLA), not a commitment to the customer.
    internal: bool = False

    @property
    def kind(self) -> str:
        """What the clock runs toward, as every view labels it."""
        return target_kind(self.internal)

    def counting(self) -> Calendar:
        return calendar_for(self.calendar)

    @property
    def running(self) -> bool:
        return self.running_since is not None

    @property
    def stopped(self) -> bool:
        return self.stopped_at is not None

    def public_state(self) -> ClockState:
        if self.ended_at is not None:
            return ClockState.ENDED
        if self.breached_at is not None:
            return ClockState.BREACHED
        if self.stopped:
            return ClockState.MET
        return ClockState.RUNNING if self.running else ClockState.PAUSED

    def used(self, now: datetime) -> timedelta:
        used = timedelta(seconds=self.used_seconds)
        if self.running_since is not None:
            used += self.counting().elapsed(self.running_since, now)
        return used

    def remaining(self, now: datetime) -> timedelta:
        return timedelta(seconds=self.target_seconds) - self.used(now)

    def _instant_at(self, counted_seconds: float) -> datetime | None:
        if self.running_since is None:
            return None
        left = timedelta(seconds=counted_seconds - self.used_seconds)
        return self.counting().add(self.running_since, max(left, timedelta(0)))

    def _instant_at_fraction(self, fraction: float) -> datetime | None:
        return self._instant_at(self.target_seconds * fraction)

    def expected_due_at(self) -> datetime | None:
        """When a ranged target's expected time passes; None without a range or once missed."""
        if not self.expected_seconds or self.expected_missed or self.breached_at is not None:
            return None
        return self._instant_at(self.expected_seconds)

    def due_at(self) -> datetime | None:
        """When the clock breaches if it keeps running; None while paused or stopped."""
        return self._instant_at_fraction(1.0)

    def warn_due_at(self, warn_at: float) -> datetime | None:
        """The warning comes at ``warn_at`` of the expected time of a range, else of the target."""
        if self.warned or self.breached_at is not None:
            return None
        return self._instant_at((self.expected_seconds or self.target_seconds) * warn_at)

    def pause(self, now: datetime) -> None:
        if self.running_since is not None:
            self.used_seconds = self.used(now).total_seconds()
            if now > self.running_since:
                self.run_periods.append(RunPeriod(self.running_since, now))
            self.running_since = None

    def resume(self, now: datetime) -> None:
        if self.running_since is None and not self.stopped:
            self.running_since = now

    def stop(self, now: datetime) -> None:
        self.pause(now)
        if self.stopped_at is None:
            self.stopped_at = now

    def unstop(self, now: datetime) -> None:
        """Run again from where the clock stood (a reopened ticket keeps its used time);
        a clock that new targets ended stays ended."""
        if self.ended_at is not None:
            return
        self.stopped_at = None
        self.resume(now)

    def end(self, now: datetime) -> None:
        """New targets have no such clock: it stops for good, neither met nor breached."""
        self.stop(now)
        self.ended_at = now

    def recount(self, calendar: CalendarSpec | None, now: datetime) -> None:
        """Count the time used so far in another calendar: each stretch the clock ran is
        measured again, so pauses stay pauses; time from before stretches were kept
        carries over as counted."""
        running = self.running
        self.pause(now)
        old, new = self.counting(), calendar_for(calendar)
        carried = self.used_seconds - sum(
            old.elapsed(period.start, period.end).total_seconds() for period in self.run_periods)
        self.used_seconds = max(carried, 0.0) + sum(
            new.elapsed(period.start, period.end).total_seconds() for period in self.run_periods)
        self.calendar = calendar
        if running:
            self.resume(now)

    def restart(self, now: datetime) -> None:
        """A fresh cycle of a periodic clock (next update): nothing used, nothing warned."""
        self.used_seconds = 0.0
        self.running_since = now
        self.started_at = now
        self.run_periods = []
        self.stopped_at = None
        self.ended_at = None
        self.warned = False
        self.expected_missed = False
        self.breached_at = None

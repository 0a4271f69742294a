"""SLA targets and the clocks they start.

A target is written in one of three ways (the policy file's syntax):

- elapsed time, every second counts: ``"90s"``, ``"30m"``, ``"4h"``, ``"2d"``, ``"PT4H"``,
  or ``"3 calendar days"``;
- business time, only the plan calendar's open time counts: ``"45 business minutes"``,
  ``"4 business hours"``;
- business days: ``"2 business days"`` is due at the same local time two open days
  later (a start in closed time counts from the next opening).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sla.policy.calendars import BusinessCalendar, CalendarSpec
from sla.policy.durations import DurationError, format_duration, parse_duration
from sla.ticket.clocks import Clock

TargetKind = Literal["elapsed", "business", "business_days"]

_BUSINESS = re.compile(
    r"^\s*(?P<amount>\d+(?:\.\d+)?)\s+business\s+(?P<unit>minute|hour|day)s?\s*$", re.IGNORECASE
)
_CALENDAR_DAYS = re.compile(r"^\s*(?P<amount>\d+)\s+calendar\s+days?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class TargetSpec:
    kind: TargetKind
    seconds: float = 0.0
    days: int = 0
    #: For a range (``"1h..3h"``): the expected time; missing it escalates, the maximum breaches.
    expected_seconds: float = 0.0
    #: An internal target (an OLA: a number the contract does not state). It warns and
    #: escalates inside the team but is never promised to the customer nor counted as a
    #: breach of their SLA; False: a commitment the contract states.
    internal: bool = False
    #: The contract's words for the target (its passages joined by " … "); empty for an
    #: internal target and in snapshots taken before targets carried them.
    quote: str = ""
    #: The due instant is not the contract's promise though the duration may be: the target
    #: counts in business time on hours nobody wrote down (or is internal). Tell the customer
    #: ``quote``, never a clock time computed from it.
    instant_is_assumed: bool = False

    def describe(self) -> str:
        if self.kind == "business_days":
            return f"{self.days} business day{'s' if self.days != 1 else ''}"

        def text(seconds: float) -> str:
            return format_duration(timedelta(seconds=seconds))

        span = text(self.seconds)
        if self.expected_seconds:
            span = f"{text(self.expected_seconds)} expected, {span} at most"
        return f"{span} of business time" if self.kind == "business" else span


def parse_target(text: str) -> TargetSpec:
    """Read a target or a range (``"1h..3h"``); raises :class:`DurationError` naming the forms."""
    if isinstance(text, str) and ".." in text:
        low_text, high_text = text.split("..", 1)
        low, high = parse_target(low_text), parse_target(high_text)
        if low.kind != high.kind or low.kind == "business_days":
            raise DurationError(f"{text!r}: both ends of a range must be elapsed time or both "
                                "business time ('1h..3h', '2 business hours..4 business hours')")
        if low.seconds >= high.seconds:
            raise DurationError(f"{text!r}: the expected time must be shorter than the maximum")
        return TargetSpec(kind=low.kind, seconds=high.seconds, expected_seconds=low.seconds)
    if isinstance(text, str):
        business = _BUSINESS.match(text)
        if business:
            amount = float(business["amount"])
            unit = business["unit"].lower()
            if unit == "day":
                if not amount.is_integer() or amount < 1:
                    raise DurationError(f"{text!r}: business days must be a whole number, at least 1")
                return TargetSpec(kind="business_days", days=int(amount))
            if amount <= 0:
                raise DurationError(f"{text!r} must be longer than zero")
            return TargetSpec(kind="business", seconds=amount * (60 if unit == "minute" else 3600))
        days = _CALENDAR_DAYS.match(text)
        if days:
            if int(days["amount"]) < 1:
                raise DurationError(f"{text!r} must be longer than zero")
            return TargetSpec(kind="elapsed", seconds=int(days["amount"]) * 86400.0)
    try:
        return TargetSpec(kind="elapsed", seconds=parse_duration(text).total_seconds())
    except DurationError:
        raise DurationError(
            f"{text!r} is not a target; write elapsed time ('30m', '4h', '2d', '3 calendar days'), "
            "business time ('4 business hours', '45 business minutes') or '2 business days'"
        ) from None


def target_seconds(target: TargetSpec, calendar: CalendarSpec | None, start: datetime) -> float:
    """The target as counted seconds, for a clock starting at ``start``."""
    if target.kind != "business_days":
        return target.seconds
    if calendar is None:
        return target.days * 86400.0
    counting = BusinessCalendar(calendar)
    due = counting.add_days(start, target.days)
    return counting.elapsed(start, due).total_seconds()


def start_clock(
    name: str, target: TargetSpec, calendar: CalendarSpec | None, now: datetime,
    running: bool = True,
) -> Clock:
    counted_in = None if target.kind == "elapsed" else calendar
    return Clock(
        name=name,
        target_seconds=target_seconds(target, counted_in, now),
        running_since=now if running else None,
        started_at=now,
        calendar=counted_in,
        expected_seconds=target.expected_seconds,
        internal=target.internal,
    )

"""Durations as support people write them: ``90s``, ``15m``, ``4h``, ``2d`` or ISO-8601 ``PT15M``."""

from __future__ import annotations

import re
from datetime import timedelta

_SHORT = re.compile(r"^\s*(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>s|m|h|d|w)\s*$")
_ISO = re.compile(
    r"^P(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


#: No deadline of a support policy is shorter than a second or longer than a year; beyond
#: either a duration is a typo, and a huge one would overflow a timer's arithmetic inside
#: a running ticket. Narrower bounds where a field needs them (an update interval).
SHORTEST_DURATION = timedelta(seconds=1)
LONGEST_DURATION = timedelta(days=366)


class DurationError(ValueError):
    """A duration string that cannot be read; the message says what is accepted."""


def parse_duration(text: str) -> timedelta:
    """Read ``90s``, ``15m``, ``4h``, ``2d``, ``1w`` or an ISO-8601 duration such as ``PT1H30M``.

    Zero and negative durations are refused: a deadline that is already due at
    creation is always a policy mistake. So is one outside SHORTEST_DURATION and
    LONGEST_DURATION.
    """
    if not isinstance(text, str):
        raise DurationError(f"expected a duration string like '30m', got {text!r}")
    short = _SHORT.match(text.lower())
    if short:
        seconds = float(short["amount"]) * _UNIT_SECONDS[short["unit"]]
    else:
        iso = _ISO.match(text.strip().upper())
        if not iso or not any(iso.groupdict().values()) or text.strip().upper().endswith("T"):
            raise DurationError(
                f"{text!r} is not a duration; write e.g. '90s', '15m', '4h', '2d' or 'PT15M'"
            )
        parts = {k: float(v) for k, v in iso.groupdict().items() if v}
        seconds = (
            parts.get("weeks", 0) * 7 * 86400
            + parts.get("days", 0) * 86400
            + parts.get("hours", 0) * 3600
            + parts.get("minutes", 0) * 60
            + parts.get("seconds", 0)
        )
    if seconds <= 0:
        raise DurationError(f"{text!r} must be longer than zero")
    # Compared as numbers first: timedelta() itself overflows on the largest of them.
    if not SHORTEST_DURATION.total_seconds() <= seconds <= LONGEST_DURATION.total_seconds():
        raise DurationError(f"{text!r} is out of bounds: a duration is between "
                            f"{format_duration(SHORTEST_DURATION)} and "
                            f"{format_duration(LONGEST_DURATION)}")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest exact short form of a duration (``1h30m``), for messages and the API."""
    total = round(value.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    if total == 0:
        return "0s"
    out = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, total = divmod(total, size)
        if amount:
            out.append(f"{amount}{unit}")
    return sign + "".join(out)

from __future__ import annotations

from datetime import timedelta

import pytest

from sla.policy.durations import DurationError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("4h", timedelta(hours=4)),
        ("2d", timedelta(days=2)),
        ("1w", timedelta(weeks=1)),
        ("1.5h", timedelta(minutes=90)),
        ("PT15M", timedelta(minutes=15)),
        ("PT1H30M", timedelta(minutes=90)),
        ("P2D", timedelta(days=2)),
        ("P1DT12H", timedelta(hours=36)),
        ("pt1.5s", timedelta(milliseconds=1500)),
        ("366d", timedelta(days=366)),
    ],
)
def test_accepted_forms(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "15", "15 minutes", "4x", "P", "PT", "-5m", "0m", "P1H"])
def test_refused_forms_say_what_is_accepted(text: str) -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration(text)
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize("text", ["0.0000001s", "0.5s", "367d", "1000000w", "99999999999w",
                                  "P9999999999999D", "1" * 400 + "s"])
def test_a_duration_out_of_bounds_is_refused_naming_them(text: str) -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration(text)
    assert "between 1s and 366d" in str(caught.value)


@pytest.mark.parametrize(
    ("value", "text"),
    [(timedelta(minutes=90), "1h30m"), (timedelta(days=2), "2d"), (timedelta(0), "0s"),
     (timedelta(seconds=-30), "-30s")],
)
def test_format_duration(value: timedelta, text: str) -> None:
    assert format_duration(value) == text

"""A duration in words, in the reader's language: ``48 часов``, ``2 giorni``, ``1 Stunde``.

Babel (CLDR) knows each language's plural forms (Russian 1 час, 2 часа, 5 часов). The
duration is always said exactly, in one unit that divides it: whole days from three days
up (``14 дней``), else whole hours (``48 часов``, as the 360dialog document writes its
wait), else minutes, else seconds; never rounded, so a message never states a time the
policy does not run.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from babel import Locale, UnknownLocaleError
from babel.dates import format_timedelta

_DAY, _HOUR, _MINUTE = 86_400, 3_600, 60


def _unit(seconds: int) -> Literal["day", "hour", "minute", "second"]:
    if seconds % _DAY == 0 and seconds >= 3 * _DAY:
        return "day"
    if seconds % _HOUR == 0:
        return "hour"
    if seconds % _MINUTE == 0:
        return "minute"
    return "second"


def babel_locale(locale: str) -> Locale:
    """The template directory's language (``pt_br``) as Babel's (``pt_BR``); English when
    Babel does not know it."""
    language, _, territory = locale.partition("_")
    try:
        return Locale.parse(f"{language}_{territory.upper()}" if territory else language)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def in_words(seconds: float | int | str, locale: str) -> str:
    """``seconds`` (a message's fact, so maybe a string) said in ``locale``'s words."""
    total = abs(round(float(seconds)))
    return format_timedelta(timedelta(seconds=total), granularity=_unit(total),
                            threshold=float("inf"), format="long", locale=babel_locale(locale))

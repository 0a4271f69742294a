"""The policy file's field types: durations, targets, opening hours, calendars.

Each parses the text people write and fails with a message that says what is accepted.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from sla.addresses import Address
from sla.policy.calendars import CalendarSpec
from sla.policy.durations import DurationError, parse_duration
from sla.policy.snapshot import SEVERITIES
from sla.policy.targets import TargetSpec, parse_target
from sla.ticket.clocks import target_kind
from sla.vocabulary import ClockName, Severity


def _target(value: Any) -> TargetSpec:
    if isinstance(value, TargetSpec):
        return value
    if not isinstance(value, str):
        raise ValueError(f"write targets as strings like \"30m\" or \"4 business hours\", not {value!r}")
    try:
        return parse_target(value)
    except DurationError as error:
        raise ValueError(str(error)) from None


_HOURS = re.compile(r"^(?P<start>\d{1,2}):(?P<start_min>\d{2})-(?P<end>\d{1,2}):(?P<end_min>\d{2})$")


def _hours(value: Any) -> tuple[int, int]:
    """``"09:00-18:00"`` as minutes after midnight; ``"22:00-06:00"`` is an overnight shift."""
    match = _HOURS.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{value!r} is not opening hours; write e.g. \"09:00-18:00\"")
    start = int(match["start"]) * 60 + int(match["start_min"])
    end = int(match["end"]) * 60 + int(match["end_min"])
    if int(match["start_min"]) > 59 or int(match["end_min"]) > 59 or start >= 24 * 60 or end > 24 * 60:
        raise ValueError(f"{value!r} is not a time of day range between 00:00 and 24:00")
    if start == end:
        raise ValueError(f"{value!r} opens and closes at the same time")
    return start, end


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError(f"write durations as strings like \"30m\" or \"4h\", not {value!r}")
    try:
        return parse_duration(value)
    except DurationError as error:
        raise ValueError(str(error)) from None


Duration = Annotated[timedelta, BeforeValidator(_duration)]
#: A duration, or "none" for never.
OptionalDuration = Annotated[timedelta | None, BeforeValidator(
    lambda value: None if value == "none" else _duration(value))]
Target = Annotated[TargetSpec, BeforeValidator(_target)]
NO_TARGET = "none"


def _optional_target(value: Any) -> TargetSpec | None:
    return None if value == NO_TARGET else _target(value)


def _per_severity(value: Any) -> Any:
    """One target for every severity may be written as a plain string."""
    if isinstance(value, str):
        return dict.fromkeys(SEVERITIES, value)
    return value


OptionalTarget = Annotated[TargetSpec | None, BeforeValidator(_optional_target)]
#: Severity -> target (or "none"); a plain string sets every severity.
Table = Annotated[dict[Severity, OptionalTarget], BeforeValidator(_per_severity)]
#: The channels a policy may send messages on: ``sla.vocabulary.MessageChannel`` without
#: ``log`` and ``undeliverable``, which no policy names.
DeliveryChannel = Literal["email", "sms", "voice", "chat"]
#: A clock's key in the policy file -> the clock it sets.
CLOCK_KEYS: dict[str, ClockName] = {
    "first_response": ClockName.FIRST_RESPONSE, "update_interval": ClockName.NEXT_UPDATE,
    "resolution": ClockName.RESOLUTION, "study": ClockName.STUDY}
#: The keys of ``CLOCK_KEYS``: the policy file's words, not the clocks' names.
ClockKey = Literal["first_response", "update_interval", "resolution", "study"]
Hours = Annotated[tuple[int, int], BeforeValidator(_hours)]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: Public holidays are resolved for this many years around a ticket's creation.
HOLIDAY_YEARS_BEFORE, HOLIDAY_YEARS_AFTER = 1, 3


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


#: Joins the fragments of a quote when it is shown (never inside a fragment).
FRAGMENT_JOIN = " … "


def _fragments(value: Any) -> Any:
    """A quote is one verbatim passage or a list of them; blank passages are refused."""
    if isinstance(value, list):
        if not value:
            raise ValueError("document = [] quotes nothing; give the contract's words")
        for index, fragment in enumerate(value):
            if not isinstance(fragment, str) or not fragment.strip():
                raise ValueError(f"document[{index}]: each fragment is a non-empty string of "
                                 "the contract's words")
    elif isinstance(value, str) and not value.strip():
        raise ValueError("document = \"\" quotes nothing; give the contract's words")
    return value


class TargetSource(StrictModel):
    """Where a number comes from: exactly one of the contract's words (a commitment, which
    customers are told and reports count) or the assumption behind an internal target.

    ``document`` holds the contract's own words only, verbatim (``policy check`` finds each
    in the policy's ``contract`` file, whitespace aside): one passage, or a list of passages
    where the words that matter are apart. A translation, gloss or reading goes in ``note``.
    """

    #: The contract's words for the number, verbatim: a passage or a list of passages.
    document: Annotated[str | list[str] | None, BeforeValidator(_fragments)] = None
    #: Why the team runs this number although the contract does not state it.
    assumption: str | None = Field(default=None, min_length=1)
    #: A translation, gloss or reading of the quote (never checked against the contract).
    note: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one(self) -> TargetSource:
        if (self.document is None) == (self.assumption is None):
            raise ValueError("give either document = \"the contract's words\" (a commitment) "
                             "or assumption = \"why the team runs it\" (an internal target)")
        return self

    @property
    def internal(self) -> bool:
        return self.assumption is not None

    @property
    def kind(self) -> str:
        return target_kind(self.internal)

    @property
    def fragments(self) -> list[str]:
        """The quote's passages (empty for an assumption)."""
        if self.document is None:
            return []
        return [self.document] if isinstance(self.document, str) else list(self.document)

    @property
    def quote(self) -> str:
        """The contract's words as shown to people: the passages joined by " … "."""
        return FRAGMENT_JOIN.join(self.fragments)

    @property
    def text(self) -> str:
        if self.assumption is not None:
            return self.assumption
        return self.quote + (f" ({self.note})" if self.note else "")


class ContactPolicy(StrictModel):
    name: str = Field(min_length=1)
    email: Address | None = None
    phone: str | None = None
    #: Address on the chat webhook, e.g. "#support" or "@lead".
    chat: str | None = None
    #: The contact is an escalation point only while this calendar is open.
    calendar: str | None = None
    #: Language of the contact's messages and the zone their times are shown in.
    locale: str = "en"
    time_zone: str = "UTC"

    @model_validator(mode="after")
    def _reachable(self) -> ContactPolicy:
        if not self.email and not self.phone and not self.chat:
            raise ValueError("a contact needs an email, a phone number or a chat address")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"time_zone: {self.time_zone!r} is not an IANA time zone") from None
        return self


class HolidaysPolicy(StrictModel):
    country: str = Field(min_length=2, max_length=3)
    subdivision: str | None = None

    @model_validator(mode="after")
    def _known(self) -> HolidaysPolicy:
        supported = holidays.list_supported_countries()
        if self.country not in supported:
            raise ValueError(f"{self.country!r} is not a country the holidays package knows "
                             "(use ISO 3166 codes such as 'IT', 'ID', 'RU', 'CO')")
        if self.subdivision is not None and self.subdivision not in supported[self.country]:
            raise ValueError(f"{self.subdivision!r} is not a subdivision of {self.country}; "
                             f"known: {', '.join(supported[self.country])}")
        return self


class CalendarPolicy(StrictModel):
    """Weekly opening hours in a time zone, minus holidays and closed dates, plus exceptions."""

    time_zone: str
    #: Shorthand for the same hours Monday to Friday (a weekday key overrides it).
    weekdays: list[Hours] | None = None
    monday: list[Hours] | None = None
    tuesday: list[Hours] | None = None
    wednesday: list[Hours] | None = None
    thursday: list[Hours] | None = None
    friday: list[Hours] | None = None
    saturday: list[Hours] | None = None
    sunday: list[Hours] | None = None
    holidays: HolidaysPolicy | None = None
    closed: list[date] = Field(default_factory=list)
    open: dict[date, list[Hours]] = Field(default_factory=dict)
    #: Where the hours come from: the contract's words, or the assumption of whoever wrote
    #: them down. None: nobody says; ``policy check`` refuses a commitment counted in it.
    source: TargetSource | None = None

    @property
    def assumed(self) -> bool:
        """The hours are not the contract's: an instant counted in them is not promised."""
        return self.source is None or self.source.internal

    @model_validator(mode="after")
    def _usable(self) -> CalendarPolicy:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"time_zone: {self.time_zone!r} is not an IANA time zone "
                             "(e.g. 'Europe/Rome')") from None
        if not any(self.week()):
            raise ValueError("the calendar is never open: give weekdays or a day's hours")
        return self

    def week(self) -> list[list[tuple[int, int]]]:
        shorthand = self.weekdays or []
        out = []
        for index, day in enumerate(WEEKDAYS):
            hours = getattr(self, day)
            out.append(list(hours) if hours is not None else list(shorthand) if index < 5 else [])
        return out

    def spec(self, name: str, at: datetime) -> CalendarSpec:
        closed = {day.isoformat() for day in self.closed}
        if self.holidays is not None:
            years = range(at.year - HOLIDAY_YEARS_BEFORE, at.year + HOLIDAY_YEARS_AFTER + 1)
            found = holidays.country_holidays(self.holidays.country,
                                              subdiv=self.holidays.subdivision, years=years)
            closed |= {day.isoformat() for day in found}
        return CalendarSpec(
            name=name,
            time_zone=self.time_zone,
            weekly=[[list(hours) for hours in day] for day in self.week()],
            closed_dates=sorted(closed),
            open_exceptions={day.isoformat(): [list(hours) for hours in opening]
                             for day, opening in sorted(self.open.items())},
        )

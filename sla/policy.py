"""The SLA policy file: TOML, validated with clear messages that name the file and the key.

Example (the default ships in ``policies/default.toml``)::

    warn_at = 0.75
    auto_close_after = "48h"

    [plans.premium]
    first_response  = { critical = "30m", major = "30m", minor = "30m" }
    update_interval = { critical = "1h" }
    resolution      = { critical = "2h", major = "8h", minor = "48h" }
    escalation      = ["tam", "support_lead"]

    [contacts.support_lead]
    name = "Support lead"
    email = "lead@example.com"
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from sla.calendars import ALWAYS_OPEN_NAME, CalendarSpec
from sla.durations import DurationError, parse_duration
from sla.snapshot import NEVER, SEVERITIES, Contact, PlanSnapshot, TargetTable, TypeRules
from sla.targets import TargetSpec, parse_target

Severity = Literal["critical", "major", "minor"]

#: The escalation name that stands for the customer's own Technical Account Manager.
TAM = "tam"


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
TicketType = Literal["problem", "configuration", "information", "feature_request", "third_party"]
TicketChannel = Literal["api", "email", "web_form", "chat", "phone"]
CLOCK_KEYS = {"first_response": "first_response", "update_interval": "next_update",
              "resolution": "resolution", "study": "study"}
Hours = Annotated[tuple[int, int], BeforeValidator(_hours)]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: Public holidays are resolved for this many years around a ticket's creation.
HOLIDAY_YEARS_BEFORE, HOLIDAY_YEARS_AFTER = 1, 3


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ContactPolicy(_Strict):
    name: str = Field(min_length=1)
    email: str | None = None
    phone: str | None = None
    #: The contact is an escalation point only while this calendar is open.
    calendar: str | None = None

    @model_validator(mode="after")
    def _reachable(self) -> ContactPolicy:
        if not self.email and not self.phone:
            raise ValueError("a contact needs an email or a phone number")
        return self


class HolidaysPolicy(_Strict):
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


class CalendarPolicy(_Strict):
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


class Targets(_Strict):
    first_response: Table | None = None
    update_interval: Table | None = None
    resolution: Table | None = None

    def table(self) -> TargetTable:
        out: TargetTable = {}
        for key, clock in CLOCK_KEYS.items():
            value = getattr(self, key, None)
            if value is not None:
                out[clock] = {str(severity): target for severity, target in value.items()}
        return out


class TypePolicy(Targets):
    """An issue type's own rules: ``sla = false`` for none at all, or its own targets."""

    sla: bool = True
    #: A study clock (e.g. 48h to study a feature request); stops when an outcome is proposed.
    study: Table | None = None


class IntakePolicy(_Strict):
    #: Fields a ticket of this type must carry in ``intake`` (e.g. Keybe's failure report).
    required: list[str] = Field(min_length=1)


class PlanPolicy(Targets):
    calendar: str = ALWAYS_OPEN_NAME
    #: The customer's TAM is an escalation point only while this calendar is open.
    tam_calendar: str | None = None
    escalation: list[str] = Field(min_length=1)
    #: Every ticket on this plan is an emergency: its severity is critical whatever was asked.
    emergency: bool = False
    #: A breached resolution escalates straight to this level of the chain (e.g. "every
    #: involved team investigates"), not merely one level up.
    investigation: str | None = None
    types: dict[TicketType, TypePolicy] = Field(default_factory=dict)


class Policy(_Strict):
    warn_at: float = Field(default=0.75, gt=0, lt=1)
    #: Waiting on the customer this long closes the ticket ("none": never).
    auto_close_after: OptionalDuration = timedelta(hours=48)
    #: A proposed resolution unconfirmed this long closes ("none": only the customer closes it).
    #: Defaults to ``auto_close_after``.
    auto_confirm_after: OptionalDuration = None
    #: How long a closed ticket can still be reopened before its workflow completes.
    reopen_window: Duration = timedelta(days=14)
    #: Contact warned about tickets that have no assignee; defaults to the plan's first level.
    unassigned: str | None = None
    #: Contact told when a breach finds every escalation level outside its calendar.
    on_call: str | None = None
    calendars: dict[str, CalendarPolicy] = Field(default_factory=dict)
    #: Issue-type rules for every plan (a plan's own ``types`` entry overrides key by key).
    types: dict[TicketType, TypePolicy] = Field(default_factory=dict)
    #: Targets that hold on a channel whatever the plan (e.g. web form and email: 24h).
    channels: dict[TicketChannel, Targets] = Field(default_factory=dict)
    intake: dict[TicketType, IntakePolicy] = Field(default_factory=dict)
    plans: dict[str, PlanPolicy] = Field(min_length=1)
    contacts: dict[str, ContactPolicy] = Field(default_factory=dict)

    def plan_requires_tam(self, plan: str) -> bool:
        """True when the plan's chain would be empty for a customer without a TAM."""
        return all(name == TAM for name in self.plans[plan].escalation)

    def calendar_spec(self, name: str, at: datetime) -> CalendarSpec | None:
        """A named calendar as data, holidays resolved around ``at``; None for 24x7."""
        if name == ALWAYS_OPEN_NAME:
            return None
        return self.calendars[name].spec(name, at)

    def snapshot(self, plan: str, tam: Contact | None, at: datetime) -> PlanSnapshot:
        """Freeze one plan for a ticket created at ``at``; ``tam`` is the customer's TAM."""
        chosen = self.plans[plan]

        def contact(name: str | None) -> Contact | None:
            if name is None:
                return None
            found = self.contacts[name]
            return Contact(role=name, name=found.name, email=found.email, phone=found.phone,
                           calendar=self.calendar_spec(found.calendar or ALWAYS_OPEN_NAME, at))

        chain: list[Contact] = []
        for name in chosen.escalation:
            if name != TAM:
                chain.append(contact(name))  # type: ignore[arg-type]
            elif tam is not None:
                tam_hours = self.calendar_spec(chosen.tam_calendar or ALWAYS_OPEN_NAME, at)
                chain.append(replace(tam, calendar=tam_hours))
        unassigned = contact(self.unassigned)

        return PlanSnapshot(
            plan=plan,
            warn_at=self.warn_at,
            auto_close_after_seconds=_seconds_or_never(self.auto_close_after),
            auto_confirm_after_seconds=_seconds_or_never(
                self.auto_confirm_after if "auto_confirm_after" in self.model_fields_set
                else self.auto_close_after),
            reopen_window_seconds=self.reopen_window.total_seconds(),
            escalation=chain,
            unassigned=unassigned,
            on_call=contact(self.on_call),
            calendar=self.calendar_spec(chosen.calendar, at),
            targets=chosen.table(),
            types=self._type_rules(chosen),
            channels={str(channel): targets.table() for channel, targets in self.channels.items()},
            emergency=chosen.emergency,
            investigation_level=(chosen.escalation.index(chosen.investigation) + 1
                                 if chosen.investigation else 0),
        )

    def _type_rules(self, plan: PlanPolicy) -> dict[str, TypeRules]:
        rules = {}
        for type_name in {*self.types, *plan.types}:
            merged: dict[str, Any] = {}
            for source in (self.types.get(type_name), plan.types.get(type_name)):
                if source is not None:
                    merged.update({key: getattr(source, key) for key in source.model_fields_set})
            rule = TypePolicy.model_construct(**merged)
            rules[str(type_name)] = TypeRules(sla=merged.get("sla", True), targets=rule.table())
        return rules

    def missing_intake(self, ticket_type: str, intake: dict[str, str]) -> list[str]:
        """Required intake fields of the type that are absent or blank."""
        rule = self.intake.get(ticket_type)  # type: ignore[call-overload]
        if rule is None:
            return []
        return [name for name in rule.required if not intake.get(name, "").strip()]


def _seconds_or_never(value: timedelta | None) -> float:
    return value.total_seconds() if value is not None else NEVER


class PolicyError(Exception):
    """A policy file that cannot be used; ``str()`` lists every problem with its key path."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"invalid SLA policy {path}:\n" + "\n".join(f"  - {p}" for p in problems))


def _table_of(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    return value if isinstance(value, dict) else {}


def reference_problems(raw: dict[str, Any]) -> list[str]:
    """Names that point nowhere: escalation levels, calendars, contacts.

    Checked on the raw file, so they are reported together with every other problem.
    """
    contacts, calendars = _table_of(raw, "contacts"), _table_of(raw, "calendars")
    problems = []
    if ALWAYS_OPEN_NAME in calendars:
        problems.append(f"calendars.{ALWAYS_OPEN_NAME}: the name is built in (always open)")

    def check_calendar(key: str, name: Any) -> None:
        if isinstance(name, str) and name != ALWAYS_OPEN_NAME and name not in calendars:
            problems.append(f"{key}: {name!r} is neither '24x7' nor a [calendars.{name}] entry")

    for contact_name, contact in contacts.items():
        if isinstance(contact, dict):
            check_calendar(f"contacts.{contact_name}.calendar", contact.get("calendar"))
    for plan_name, plan in _table_of(raw, "plans").items():
        if not isinstance(plan, dict):
            continue
        check_calendar(f"plans.{plan_name}.calendar", plan.get("calendar"))
        check_calendar(f"plans.{plan_name}.tam_calendar", plan.get("tam_calendar"))
        chain = plan.get("escalation")
        chain = chain if isinstance(chain, list) else []
        for level, name in enumerate(chain):
            if isinstance(name, str) and name != TAM and name not in contacts:
                problems.append(f"plans.{plan_name}.escalation[{level}]: {name!r} is neither "
                                f"'tam' nor a [contacts.{name}] entry")
        investigation = plan.get("investigation")
        if isinstance(investigation, str) and investigation not in chain:
            problems.append(f"plans.{plan_name}.investigation: {investigation!r} is not in the "
                            "plan's escalation chain")
    for key in ("unassigned", "on_call"):
        name = raw.get(key)
        if isinstance(name, str) and name not in contacts:
            problems.append(f"{key}: {name!r} is not a [contacts] entry")
    return problems


def _key_path(location: tuple[int | str, ...]) -> str:
    out = ""
    for part in location:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def parse_policy(text: str, path: Path) -> Policy:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(path, [f"not valid TOML: {error}"]) from None
    problems = []
    policy = None
    try:
        policy = Policy.model_validate(raw)
    except ValidationError as error:
        for item in error.errors():
            message = item["msg"].removeprefix("Value error, ")
            location = _key_path(item["loc"])
            if item["type"] == "extra_forbidden":
                message = "unknown key (check its spelling)"
            problems.append(f"{location}: {message}" if item["loc"] else message)
    problems += reference_problems(raw)
    if problems or policy is None:
        raise PolicyError(path, problems)
    return policy


def load_policy(path: Path) -> Policy:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PolicyError(path, [f"cannot read the file: {error.strerror}"]) from None
    return parse_policy(text, path)

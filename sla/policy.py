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

import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from sla.durations import DurationError, parse_duration
from sla.snapshot import Contact, PlanSnapshot

Severity = Literal["critical", "major", "minor"]

#: The escalation name that stands for the customer's own Technical Account Manager.
TAM = "tam"


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


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ContactPolicy(_Strict):
    name: str = Field(min_length=1)
    email: str | None = None
    phone: str | None = None

    @model_validator(mode="after")
    def _reachable(self) -> ContactPolicy:
        if not self.email and not self.phone:
            raise ValueError("a contact needs an email or a phone number")
        return self


class PlanPolicy(_Strict):
    first_response: dict[Severity, Duration] = Field(default_factory=dict)
    update_interval: dict[Severity, Duration] = Field(default_factory=dict)
    resolution: dict[Severity, Duration] = Field(default_factory=dict)
    escalation: list[str] = Field(min_length=1)


class Policy(_Strict):
    warn_at: float = Field(default=0.75, gt=0, lt=1)
    auto_close_after: Duration = timedelta(hours=48)
    #: How long a closed ticket can still be reopened before its workflow completes.
    reopen_window: Duration = timedelta(days=14)
    #: Contact warned about tickets that have no assignee; defaults to the plan's first level.
    unassigned: str | None = None
    plans: dict[str, PlanPolicy] = Field(min_length=1)
    contacts: dict[str, ContactPolicy] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _names_resolve(self) -> Policy:
        for plan_name, plan in self.plans.items():
            for level, name in enumerate(plan.escalation):
                if name != TAM and name not in self.contacts:
                    raise ValueError(
                        f"plans.{plan_name}.escalation[{level}]: {name!r} is neither 'tam' "
                        f"nor a [contacts.{name}] entry"
                    )
        if self.unassigned is not None and self.unassigned not in self.contacts:
            raise ValueError(f"unassigned: {self.unassigned!r} is not a [contacts] entry")
        return self

    def plan_requires_tam(self, plan: str) -> bool:
        """True when the plan's chain would be empty for a customer without a TAM."""
        return all(name == TAM for name in self.plans[plan].escalation)

    def snapshot(self, plan: str, tam: Contact | None) -> PlanSnapshot:
        """Freeze one plan for a ticket; ``tam`` is the customer's TAM, if they have one."""
        chosen = self.plans[plan]
        chain: list[Contact] = []
        for name in chosen.escalation:
            if name == TAM:
                if tam is not None:
                    chain.append(tam)
                continue
            contact = self.contacts[name]
            chain.append(Contact(role=name, name=contact.name, email=contact.email,
                                 phone=contact.phone))
        unassigned = None
        if self.unassigned is not None:
            contact = self.contacts[self.unassigned]
            unassigned = Contact(role=self.unassigned, name=contact.name, email=contact.email,
                                 phone=contact.phone)

        def seconds(targets: dict[Severity, timedelta]) -> dict[str, float]:
            return {severity: target.total_seconds() for severity, target in targets.items()}

        return PlanSnapshot(
            plan=plan,
            warn_at=self.warn_at,
            auto_close_after_seconds=self.auto_close_after.total_seconds(),
            reopen_window_seconds=self.reopen_window.total_seconds(),
            first_response_seconds=seconds(chosen.first_response),
            update_interval_seconds=seconds(chosen.update_interval),
            resolution_seconds=seconds(chosen.resolution),
            escalation=chain,
            unassigned=unassigned,
        )


class PolicyError(Exception):
    """A policy file that cannot be used; ``str()`` lists every problem with its key path."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"invalid SLA policy {path}:\n" + "\n".join(f"  - {p}" for p in problems))


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
    try:
        return Policy.model_validate(raw)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            message = item["msg"].removeprefix("Value error, ")
            location = _key_path(item["loc"])
            if item["type"] == "extra_forbidden":
                message = "unknown key (check its spelling)"
            # Cross-key checks (model validators) carry their key path in the message.
            problems.append(f"{location}: {message}" if item["loc"] else message)
        raise PolicyError(path, problems) from None


def load_policy(path: Path) -> Policy:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PolicyError(path, [f"cannot read the file: {error.strerror}"]) from None
    return parse_policy(text, path)

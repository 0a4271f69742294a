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

import hashlib
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sla.policy.calendars import ALWAYS_OPEN_NAME
from sla.policy.rules import TAM, Policy


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
    entitlements = _table_of(raw, "entitlements")
    for key in ("slot_plans", "recommendations_only"):
        names = entitlements.get(key)
        for index, name in enumerate(names if isinstance(names, list) else []):
            if isinstance(name, str) and name not in _table_of(raw, "plans"):
                problems.append(f"entitlements.{key}[{index}]: {name!r} is not a [plans] entry")
    unknown_plan = _table_of(raw, "emergency").get("unknown_caller_plan")
    if isinstance(unknown_plan, str) and unknown_plan not in _table_of(raw, "plans"):
        problems.append(f"emergency.unknown_caller_plan: {unknown_plan!r} is not a [plans] entry")
    return problems


def _key_path(location: tuple[int | str, ...]) -> str:
    out = ""
    for part in location:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


#: A policy file, at most: the five real ones are a few kilobytes, and a rollout carries
#: the file in its workflow's input.
LARGEST_POLICY_BYTES = 256 * 1024


def parse_policy(text: str, path: Path) -> Policy:
    size = len(text.encode())
    if size > LARGEST_POLICY_BYTES:
        raise PolicyError(path, [f"the file is {size // 1024} KiB; a policy is at most "
                                 f"{LARGEST_POLICY_BYTES // 1024} KiB"])
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
    policy._source_name = path.name
    policy._content_hash = hashlib.sha256(text.encode()).hexdigest()[:12]
    policy._source_text = text
    return policy


def load_policy(path: Path) -> Policy:
    try:
        # Bytes, not read_text: newlines stay as written, so the content hash is the
        # file's own (`sha256sum FILE` shows the same first 12 digits).
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise PolicyError(path, [f"cannot read the file: {error.strerror}"]) from None
    except UnicodeDecodeError as error:
        raise PolicyError(path, [f"not UTF-8 text: {error.reason} at byte {error.start}"]) \
            from None
    return parse_policy(text, path)

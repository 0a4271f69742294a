"""What changes between two versions of a policy, in the terms tickets feel: a clock's
target for a plan, severity, type and channel; a plan's calendar; its escalation chain;
then every other field of the file, found by walking the model's dump (so a field added to
the model is compared without anyone remembering to).

Pure: the ``policy diff`` command adds how many open tickets each change would touch.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sla.policy.rules import Policy
from sla.policy.snapshot import SEVERITIES, TICKET_CHANNELS, TICKET_TYPES, Contact, PlanSnapshot
from sla.vocabulary import ClockName

CLOCKS: tuple[str, ...] = (ClockName.FIRST_RESPONSE, ClockName.NEXT_UPDATE, ClockName.RESOLUTION,
                           ClockName.STUDY)
#: Stands for each customer's own TAM, so chains compare by role.
TAM = Contact(role="tam", name="the customer's TAM")

#: (severity, type, channel): the tickets a change applies to.
Scope = tuple[str, str, str]


@dataclass
class PolicyChange:
    #: The plan changed; empty for a change to the whole policy (it touches every plan).
    plan: str
    area: str
    description: str
    #: The kinds of ticket the change applies to; every ticket of the plan when empty.
    scopes: list[Scope] = field(default_factory=list)

    def touches(self, plan: str, severity: str, type: str, channel: str) -> bool:
        return (not self.plan or plan == self.plan) and (
            not self.scopes or (severity, type, channel) in self.scopes)


def _chain(snapshot: PlanSnapshot) -> list[str]:
    return [contact.role if contact.role == "tam" else contact.name
            for contact in snapshot.escalation]


def _target(snapshot: PlanSnapshot, clock: str, scope: Scope) -> str:
    severity, type, channel = scope
    target = snapshot.target_for(clock, snapshot.effective_severity(severity), type, channel)
    if target is None:
        return "none"
    # A target that turns from a commitment into an internal one (or back) is a change too:
    # customers stop (or start) being told it.
    return target.describe() + (" (internal target)" if target.internal else "")


def _where(scopes: list[Scope]) -> str:
    types = sorted({type for _severity, type, _channel in scopes})
    channels = sorted({channel for _severity, _type, channel in scopes})
    parts = []
    if len(types) < len(TICKET_TYPES):
        parts.append("types " + ", ".join(types))
    if len(channels) < len(TICKET_CHANNELS):
        parts.append("via " + ", ".join(channels))
    return f" ({'; '.join(parts)})" if parts else ""


def diff_policies(old: Policy, new: Policy, at: datetime) -> list[PolicyChange]:
    """Every difference, one line per plan, clock, severity and change of target."""
    changes: list[PolicyChange] = []
    for plan in sorted(set(old.plans) | set(new.plans)):
        if plan not in new.plans or plan not in old.plans:
            gone = plan not in new.plans
            changes.append(PolicyChange(plan, "plan", "plan removed: its customers' new tickets "
                                        "are refused" if gone else "plan added"))
            continue
        before, after = old.snapshot(plan, TAM, at), new.snapshot(plan, TAM, at)
        grouped: dict[tuple[str, str, str, str], list[Scope]] = defaultdict(list)
        for clock in CLOCKS:
            for severity in SEVERITIES:
                for type in TICKET_TYPES:
                    for channel in TICKET_CHANNELS:
                        scope = (severity, type, channel)
                        was, now = _target(before, clock, scope), _target(after, clock, scope)
                        if was != now:
                            grouped[(clock, severity, was, now)].append(scope)
        for (clock, severity, was, now), scopes in grouped.items():
            changes.append(PolicyChange(plan, "target", f"{clock} {severity}{_where(scopes)}: "
                                        f"{was} -> {now}", scopes))
        if before.calendar != after.calendar:
            names = [spec.name if spec else "24x7" for spec in (before.calendar, after.calendar)]
            detail = f"{names[0]} -> {names[1]}" if names[0] != names[1] else \
                f"{names[0]} (hours, holidays or closed dates)"
            changes.append(PolicyChange(plan, "calendar", f"calendar {detail}"))
        if _chain(before) != _chain(after):
            changes.append(PolicyChange(plan, "escalation", "escalation " + " > ".join(
                _chain(before)) + " -> " + " > ".join(_chain(after))))
        if _notices(before) != _notices(after):
            changes.append(PolicyChange(plan, "notices", f"messages {_notices(before)} -> "
                                                         f"{_notices(after)}"))
    return changes + field_changes(old, new, set(old.plans) ^ set(new.plans))


#: Fields compared above in the terms tickets feel (targets, a plan's calendar and chain):
#: not listed twice. (Notices are listed both ways: the summary above shows only what a
#: plan's tickets feel, and omits the urgent lists while nothing is held.)
_COMPARED = re.compile(
    r"^(plans\.[^.]+\.(types\.[^.]+\.)?|types\.[^.]+\.|channels\.[^.]+\.)"
    r"(first_response|update_interval|resolution|study)(\.|$)"
    r"|^plans\.[^.]+\.(calendar|escalation)$")


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """A dump as {key path: leaf}; a list is one leaf."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{path}.{key}" if path else str(key)))
        return out
    return {path: value}


def field_changes(old: Policy, new: Policy, plans_added_or_removed: set[str]) -> list[PolicyChange]:
    """Every field of the file that differs and the diff above does not describe."""
    before = flatten(old.model_dump(mode="json"))
    after = flatten(new.model_dump(mode="json"))
    changes = []
    for path in sorted(set(before) | set(after)):
        was, now = before.get(path, "(not set)"), after.get(path, "(not set)")
        if was == now or _COMPARED.search(path):
            continue
        parts = path.split(".")
        plan = parts[1] if parts[0] == "plans" and len(parts) > 1 else ""
        if plan in plans_added_or_removed:
            continue
        changes.append(PolicyChange(plan, parts[0], f"{path}: {_show(was)} -> {_show(now)}"))
    return changes


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _notices(snapshot: PlanSnapshot) -> str:
    if not snapshot.hold_notices:
        return "sent at once"
    urgent = ", ".join([*snapshot.urgent_severities, *snapshot.urgent_kinds]) or "none"
    return f"held for the recipient's hours (urgent: {urgent})"

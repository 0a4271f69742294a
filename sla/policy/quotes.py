"""Commitments that can be checked: every ``document`` quote found in the contract's text.

A commitment is a number the contract states, so its source quotes the contract's own
words. A quote (each passage, when it is a list) must occur in the contract exactly, apart
from whitespace: runs of spaces, tabs and newlines count as one space on both sides, and
nothing else is forgiven (not case, punctuation, quotes marks or "..."). A commitment
counted in business time needs the calendar's hours to come from somewhere too.

Pure: the caller reads the contract file and passes its text in.
"""

from __future__ import annotations

import re

from sla.policy.calendars import ALWAYS_OPEN_NAME
from sla.policy.fields import TargetSource
from sla.policy.rules import Policy, Targets

_WHITESPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Runs of whitespace as one space, none at either end."""
    return _WHITESPACE.sub(" ", text).strip()


def quote_problems(key: str, source: TargetSource, contract: str) -> list[str]:
    """What is wrong with one source's quote against the contract's text (normalised)."""
    problems = []
    for index, fragment in enumerate(source.fragments):
        if normalise(fragment) not in contract:
            where = f"{key} document[{index}]" if isinstance(source.document, list) else \
                f"{key} document"
            problems.append(f"{where}: {fragment!r} does not occur in the contract (quote its "
                            "words exactly; a translation or reading goes in note)")
    return problems


def commitment_problems(policy: Policy, contract: str | None) -> list[str]:
    """Every commitment that cannot be verified, by key path, with what is wrong.

    ``contract`` is the text of the policy's contract file, or None when there is none to
    read (the policy names none). A target with no source at all is reported elsewhere
    (``Policy.unsourced_targets``)."""
    problems: list[str] = []
    sources = dict(policy.target_sources())
    sources.update({f"calendars.{name}.source": calendar.source
                    for name, calendar in policy.calendars.items()
                    if calendar.source is not None})
    quoted = {key: source for key, source in sources.items() if not source.internal}
    if quoted and contract is None:
        problems.append(f"{', '.join(sorted(quoted))}: quote the contract, but the policy names "
                        "no contract file (add contract = \"contracts/<file>\" at the top)")
    elif contract is not None:
        text = normalise(contract)
        for key, source in sorted(quoted.items()):
            problems += quote_problems(key, source, text)
    problems += uncounted_commitments(policy)
    return problems


def uncounted_commitments(policy: Policy) -> list[str]:
    """Commitments in business time counted on a calendar that says nowhere where its hours
    come from: the instant would be a promise nobody made."""
    problems = []
    for plan_name, plan in policy.plans.items():
        calendar = plan.calendar
        if calendar == ALWAYS_OPEN_NAME or policy.calendars[calendar].source is not None:
            continue
        tables: list[tuple[str, Targets]] = [(f"plans.{plan_name}", plan)]
        tables += [(f"plans.{plan_name}.types.{kind}", rules) for kind, rules in plan.types.items()]
        tables += [(f"types.{kind}", rules) for kind, rules in policy.types.items()]
        tables += [(f"channels.{channel}", rules) for channel, rules in policy.channels.items()]
        for path, targets in tables:
            for key, source in targets.sources.items():
                table = getattr(targets, key, None) or {}
                counted = [target for target in table.values()
                           if target is not None and target.kind != "elapsed"]
                if counted and not source.internal:
                    problems.append(
                        f"{path}.{key} (plan {plan_name}): a commitment counted in calendar "
                        f"{calendar!r}, whose hours have no source; give [calendars.{calendar}] "
                        "source = { document = \"the contract's words\" } or { assumption = "
                        "\"why the team runs these hours\" } (then its instants are not promised)")
    return problems

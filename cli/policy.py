"""``policy check FILE`` and ``policy explain FILE ...``: see what a policy means before deploying it."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from channels.templates import MessageTemplates
from sla import lifecycle
from sla.calendars import CalendarNeverOpen
from sla.policy import Policy, PolicyError, load_policy
from sla.snapshot import SEVERITIES, TICKET_CHANNELS, TICKET_TYPES, Contact
from sla.ticket import TicketDetails


def check(path: Path, templates: Path) -> int:
    """The policy, and the message templates it sends with: every problem, exit status 1."""
    failed = False
    try:
        policy = load_policy(path)
    except PolicyError as error:
        print(error, file=sys.stderr)
        failed = True
    template_problems = MessageTemplates(templates).check() if templates.is_dir() else [
        f"{templates}: no such directory"]
    if template_problems:
        print(f"message templates {templates}:", file=sys.stderr)
        for problem in template_problems:
            print(f"  - {problem}", file=sys.stderr)
        failed = True
    if failed:
        return 1
    print(f"{path}: OK ({len(policy.plans)} plans: {', '.join(policy.plans)}; "
          f"{len(policy.calendars)} calendars; templates in {templates} render)")
    return 0


def _when(instant: datetime | None, zone: tzinfo) -> str:
    if instant is None:
        return "-"
    local = f"{instant.astimezone(zone):%a %Y-%m-%d %H:%M %Z}"
    return local if zone is UTC else f"{local} ({instant.astimezone(UTC):%H:%M} UTC)"


def explain(
    policy: Policy, plan: str, severity: str, ticket_type: str, channel: str, at: datetime
) -> str:
    """What a ticket opened at ``at`` would get: each clock's due time, then the chain."""
    if plan not in policy.plans:
        raise SystemExit(f"unknown plan {plan!r}; the policy defines {', '.join(policy.plans)}")
    tam = Contact(role="tam", name="the customer's TAM")
    snapshot = policy.snapshot(plan, tam, at)
    effective = snapshot.effective_severity(severity)
    details = TicketDetails(ticket_id="EXPLAIN", customer_id=0, subject="", description="",
                            severity=effective, type=ticket_type, channel=channel)
    state = lifecycle.open_ticket(details, snapshot, at)
    zone: tzinfo = ZoneInfo(snapshot.calendar.time_zone) if snapshot.calendar else UTC
    lines = [f"plan {plan}, {effective} {ticket_type} via {channel}, opened {_when(at, zone)}"]
    if effective != severity:
        lines.append(f"  (the plan treats every ticket as an emergency: {severity} -> {effective})")
    calendar = snapshot.calendar.name if snapshot.calendar else "24x7"
    lines.append(f"calendar: {calendar}")
    if not state.clocks:
        lines.append("no SLA clocks: this ticket carries no SLA")
    for clock in state.clocks.values():
        target = snapshot.target_for(clock.name, effective, ticket_type, channel)
        counted = "business time" if clock.calendar else "elapsed time"
        lines.append(f"{clock.name}: {target.describe() if target else '-'} ({counted})")
        lines.append(f"  warning   {_when(clock.warn_due_at(snapshot.warn_at), zone)}")
        if clock.expected_seconds:
            lines.append(f"  expected  {_when(clock.expected_due_at(), zone)}")
        lines.append(f"  due       {_when(clock.due_at(), zone)}")
    update = snapshot.target_for("next_update", effective, ticket_type, channel)
    if update is not None:
        lines.append(f"next_update: every {update.describe()} after each agent response")
    chain = ", ".join(f"{level}. {contact.name}" for level, contact
                      in enumerate(snapshot.escalation, start=1))
    lines.append(f"escalation on breach: {chain}")
    if snapshot.on_call:
        lines.append(f"  outside everyone's hours: {snapshot.on_call.name}")
    return "\n".join(lines)


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has no offset; write e.g. 2026-03-06T17:00+01:00 or ...Z")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="policy", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check_command = commands.add_parser("check", help="validate a policy file")
    check_command.add_argument("file", type=Path)
    check_command.add_argument("--templates", type=Path, default=Path("templates"),
                               help="message templates to render (default: templates)")
    explain_command = commands.add_parser("explain", help="print each clock's due time")
    explain_command.add_argument("file", type=Path)
    explain_command.add_argument("--plan", required=True)
    explain_command.add_argument("--severity", required=True, choices=SEVERITIES)
    explain_command.add_argument("--type", default="problem", choices=TICKET_TYPES)
    explain_command.add_argument("--channel", default="api", choices=TICKET_CHANNELS)
    explain_command.add_argument("--at", type=_instant, required=True,
                                 help="when the ticket is opened, ISO-8601 with an offset")
    args = parser.parse_args(argv)
    if args.command == "check":
        return check(args.file, args.templates)
    try:
        policy = load_policy(args.file)
    except PolicyError as error:
        print(error, file=sys.stderr)
        return 1
    try:
        print(explain(policy, args.plan, args.severity, args.type, args.channel, args.at))
    except CalendarNeverOpen as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``policy check FILE``, ``policy explain FILE ...`` and ``policy diff OLD NEW``: see what a
policy means, and what an edit changes, before deploying it; ``policy apply FILE``: bring
the open tickets under it (and back, by applying the previous file)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from channels.templates import MessageTemplates
from config import get_settings
from sla.policy.calendars import CalendarNeverOpen
from sla.policy.diff import PolicyChange, diff_policies
from sla.policy.durations import format_duration
from sla.policy.fields import CLOCK_KEYS, TargetSource
from sla.policy.loading import PolicyError, load_policy
from sla.policy.quotes import commitment_problems
from sla.policy.rules import Policy
from sla.policy.snapshot import SEVERITIES, TICKET_CHANNELS, TICKET_TYPES, Contact
from sla.ticket import lifecycle
from sla.ticket.clocks import target_kind
from sla.ticket.state import TicketDetails
from sla.vocabulary import Channel, ClockName, Severity, TicketStatus, TicketType
from store.db import make_engine
from store.migrations import DatabaseBehind, require_current
from store.models import TICKETS
from tickets.rollout import open_tickets, paged_rollout, progress_of, rollout_id, start_rollout
from workflow_client import connect
from workflows.messages import ROLLOUT_LISTED


def source_hint(key: str) -> str:
    """How to give the source of the target at ``key`` (``plans.premium.first_response``)."""
    if key == "emergency.callback_within":
        return ('[emergency] source = { document = "the contract\'s words" } '
                'or { assumption = "why the team runs it" }')
    table, _, clock = key.rpartition(".")
    return (f'[{table}.sources] {clock} = {{ document = "the contract\'s words" }} (a commitment) '
            'or { assumption = "why the team runs it" } (an internal target)')


def read_contract(path: Path, policy: Policy) -> tuple[str | None, str | None]:
    """(the contract's text, or None; why it could not be read, or None). The contract's
    name is a file beside the policy file (``contracts/keybe-customer-care.es.txt``)."""
    if policy.contract is None:
        return None, None
    contract = path.parent / policy.contract
    try:
        return contract.read_bytes().decode("utf-8"), None
    except OSError as error:
        return None, f"contract: cannot read {contract}: {error.strerror}"
    except UnicodeDecodeError as error:
        return None, f"contract: {contract} is not UTF-8 text: {error.reason}"


def check(path: Path, templates: Path, allow_unsourced: bool = False) -> int:
    """The policy, and the message templates it sends with: every problem, exit status 1.

    Every target must say where it comes from (the contract's words, or the assumption of
    an internal target) unless ``allow_unsourced``: a number nobody can trace back is how a
    team ends up promising customers what no contract says."""
    failed = False
    try:
        policy = load_policy(path)
    except PolicyError as error:
        print(error, file=sys.stderr)
        failed = True
    else:
        unsourced = [] if allow_unsourced else policy.unsourced_targets()
        if unsourced:
            print(f"invalid SLA policy {path}: targets that do not say where they come from:",
                  file=sys.stderr)
            for key in unsourced:
                print(f"  - {key}: add a source: {source_hint(key)}", file=sys.stderr)
            failed = True
        contract, unread = read_contract(path, policy)
        problems = ([unread] if unread else []) + commitment_problems(policy, contract)
        if problems:
            print(f"invalid SLA policy {path}: commitments that cannot be verified against "
                  f"its contract {policy.contract or '(none named)'}:", file=sys.stderr)
            for problem in problems:
                print(f"  - {problem}", file=sys.stderr)
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
        lines.append(f"{clock.name}: {target.describe() if target else '-'} ({counted}), "
                     f"{clock.kind}")
        lines.append(_source_line(*policy.source_for(plan, clock.name, effective, ticket_type,
                                                     channel)))
        lines.append(f"  warning   {_when(clock.warn_due_at(snapshot.warn_at), zone)}")
        if clock.expected_seconds:
            lines.append(f"  expected  {_when(clock.expected_due_at(), zone)}")
        lines.append(f"  due       {_when(clock.due_at(), zone)}")
    update = snapshot.target_for(ClockName.NEXT_UPDATE, effective, ticket_type, channel)
    if update is not None:
        kind = target_kind(update.internal)
        lines.append(f"next_update: every {update.describe()} after each agent response, {kind}"
                     " (an interval agreed with the customer replaces it, as a commitment)")
        lines.append(_source_line(*policy.source_for(plan, ClockName.NEXT_UPDATE, effective,
                                                     ticket_type, channel)))
    if policy.has_emergency_line:
        callback = target_kind(snapshot.callback_internal)
        lines.append(f"callback after an emergency call: {_duration(snapshot.callback_seconds)} "
                     f"(elapsed time, 24/7), {callback}")
        emergency_source = policy.emergency.source
        lines.append(_source_line("emergency.callback_within", emergency_source)
                     if emergency_source else "  source    none given: not promised to customers")
    else:
        lines.append("no emergency line: calls to it are refused, no callback is owed")
    if snapshot.emergency_line and effective == Severity.CRITICAL:
        lines.append("the receipt tells the customer of the emergency line (24/7/365)"
                     + (f", {snapshot.emergency_number}" if snapshot.emergency_number
                        else ", naming no number (none configured)")
                     + ", instead of the business-hours sentence")
    elif snapshot.answers_during_business_hours:
        lines.append("the receipt tells the customer that an agent answers during business "
                     "hours, and no time")
    chain = ", ".join(f"{level}. {contact.name}" for level, contact
                      in enumerate(snapshot.escalation, start=1))
    lines.append(f"escalation on breach: {chain}")
    if snapshot.on_call:
        lines.append(f"  outside everyone's hours: {snapshot.on_call.name}")
    return "\n".join(lines)


def explain_targets(policy: Policy) -> str:
    """Every target of the file, grouped by where it is written, each with its kind
    (commitment or internal target) and its source."""
    lines: list[str] = []
    sources = policy.target_sources()
    for path, targets in policy.target_tables():
        written = [(key, table) for key in CLOCK_KEYS
                   if (table := getattr(targets, key, None))]
        if not written and getattr(targets, "sla", True) is not False:
            continue
        lines.append(f"[{path}]")
        if getattr(targets, "sla", True) is False:
            lines.append("  no SLA: no clocks at all")
        for key, table in written:
            by_severity = ", ".join(
                f"{severity} {target.describe() if target else 'none'}"
                for severity, target in table.items())
            source = sources.get(f"{path}.{key}")
            kind = ("no target" if all(target is None for target in table.values())
                    else target_kind(source is not None and source.internal))
            lines.append(f"  {key}: {by_severity}  ({kind})")
            lines.append(_source_line(f"{path}.{key}", source))
    callback = policy.emergency.source
    if not policy.has_emergency_line:
        lines.append("no [emergency] table: this support has no emergency line; a call to "
                     "it (POST /emergency-calls, the telephony webhook) is refused with 404, "
                     "and nobody is promised a callback")
        return "\n".join(lines + _business_hours_note(policy))
    lines.append("[emergency]")
    lines.append(f"  callback_within: {_duration(policy.emergency.callback_within.total_seconds())}"
                 f"  ({target_kind(callback is None or callback.internal)})")
    lines.append(_source_line("emergency.callback_within", callback) if callback
                 else "  source    none given: an internal target, never promised to customers")
    return "\n".join(lines + _business_hours_note(policy))


def _business_hours_note(policy: Policy) -> list[str]:
    business_hours = [name for name, plan in policy.plans.items()
                      if plan.answers_during_business_hours]
    if not business_hours:
        return []
    return [f"receipts on {', '.join(business_hours)} say an agent answers during business "
            "hours, and promise no time"]


def _source_line(key: str, source: TargetSource | None) -> str:
    if source is None:
        return f"  source    none given ({key}): a commitment without its contract's words"
    label = "document " if source.document else "assumption"
    return f"  {label} {source.text}  [{key}]"


def _duration(seconds: float) -> str:
    return format_duration(timedelta(seconds=seconds))


def open_ticket_kinds(database_url: str) -> Counter[tuple[str, str, str, str]] | str:
    """Open tickets by (plan, severity, type, channel), or why they could not be counted."""
    engine = make_engine(database_url)
    try:
        require_current(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                select(TICKETS.c.plan, TICKETS.c.severity, TICKETS.c.type, TICKETS.c.channel,
                       func.count()).where(TICKETS.c.status != TicketStatus.CLOSED)
                .group_by(TICKETS.c.plan, TICKETS.c.severity, TICKETS.c.type, TICKETS.c.channel))
            return Counter({(plan, severity, type, channel): count
                            for plan, severity, type, channel, count in rows})
    except (DatabaseBehind, SQLAlchemyError) as error:
        return str(error).splitlines()[0]
    finally:
        engine.dispose()


def describe_diff(changes: list[PolicyChange],
                  open_tickets: Counter[tuple[str, str, str, str]] | str) -> str:
    if not changes:
        return "no differences"
    lines = []
    for change in changes:
        line = f"{change.plan or 'all plans'}: {change.description}"
        if not isinstance(open_tickets, str):
            touched = sum(count for kind, count in open_tickets.items() if change.touches(*kind))
            line += f"  [{touched} open ticket{'s' if touched != 1 else ''}]"
        lines.append(line)
    if isinstance(open_tickets, str):
        lines.append(f"(open tickets not counted: {open_tickets})")
    else:
        lines.append("(open tickets keep the policy they started with until it is applied to them)")
    return "\n".join(lines)


async def apply(policy: Policy, customer_id: int | None, reason: str, dry_run: bool) -> int:
    """Re-target the open tickets (of one customer, or all) to ``policy``, each through its
    workflow, by a rollout that goes on if this command is stopped (run it again to follow
    it); exit status 1 when some could not take it (listed, with the reason)."""
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        require_current(engine)
        with Session(engine) as session:
            if dry_run:
                tickets = open_tickets(session, customer_id)
                for ticket in tickets:
                    print(f"{ticket.id}  {ticket.plan}  {ticket.severity} {ticket.type}")
                print(f"{len(tickets)} open ticket(s) would take {policy.source_name}@"
                      f"{policy.content_hash}")
                return 0
            actor = f"admin:{getpass.getuser()} (policy apply)"
            rollout = paged_rollout(session, policy, customer_id, actor, reason)
    except (DatabaseBehind, SQLAlchemyError) as error:
        print(f"cannot read the open tickets: {str(error).splitlines()[0]}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    client = await connect(settings)
    workflow_id = rollout_id(policy, "all" if customer_id is None else f"customer-{customer_id}")
    await start_rollout(client, settings.temporal_task_queue, workflow_id, rollout)
    print(f"rollout {workflow_id}: {rollout.progress.total} open ticket(s); it goes on if "
          "this command stops (run it again to follow it)", flush=True)
    while True:
        finished, progress = await progress_of(client, workflow_id)
        if finished:
            break
        print(f"  {progress.done} of {progress.total} done", flush=True)
        await asyncio.sleep(2)
    for ticket_id in progress.retargeted:
        print(f"{ticket_id}  now under {policy.source_name}@{policy.content_hash}")
    for ticket_id, why in progress.failed.items():
        print(f"{ticket_id}  NOT changed: {why}", file=sys.stderr)
    unlisted = [f"{count - len(listed)} more {outcome}" for outcome, count, listed in (
        ("re-targeted", progress.retargeted_count, progress.retargeted),
        ("failed", progress.failed_count, progress.failed)) if count > len(listed)]
    if unlisted:
        print(f"(the rollout names the first {ROLLOUT_LISTED} of each: "
              f"{', '.join(unlisted)} not listed)")
    print(f"{progress.retargeted_count} re-targeted, {progress.unchanged_count} already under "
          f"it, {progress.failed_count} failed")
    return 1 if progress.failed_count else 0


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
    check_command.add_argument("--allow-unsourced", action="store_true",
                               help="accept targets that give no source (treated as commitments)")
    explain_command = commands.add_parser(
        "explain", help="every target with its kind and source; with --plan, --severity and "
                        "--at, each clock's due time for a ticket opened then")
    explain_command.add_argument("file", type=Path)
    explain_command.add_argument("--plan")
    explain_command.add_argument("--severity", choices=SEVERITIES)
    explain_command.add_argument("--type", default=TicketType.PROBLEM.value, choices=TICKET_TYPES)
    explain_command.add_argument("--channel", default=Channel.API.value, choices=TICKET_CHANNELS)
    explain_command.add_argument("--at", type=_instant,
                                 help="when the ticket is opened, ISO-8601 with an offset")
    diff_command = commands.add_parser(
        "diff", help="what changes from OLD to NEW, and how many open tickets each change touches")
    diff_command.add_argument("old", type=Path)
    diff_command.add_argument("new", type=Path)
    diff_command.add_argument("--at", type=_instant, default=None,
                              help="resolve holidays as of this instant (default: now)")
    apply_command = commands.add_parser(
        "apply", help="bring open tickets under this policy (apply the old file to roll back)")
    apply_command.add_argument("file", type=Path)
    apply_command.add_argument("--customer", type=int, default=None,
                               help="only this customer's open tickets")
    apply_command.add_argument("--reason", default="",
                               help="recorded on each ticket's timeline")
    apply_command.add_argument("--dry-run", action="store_true",
                               help="list the tickets it would change, change nothing")
    args = parser.parse_args(argv)
    if args.command == "check":
        return check(args.file, args.templates, args.allow_unsourced)
    if args.command == "apply":
        try:
            policy = load_policy(args.file)
        except PolicyError as error:
            print(error, file=sys.stderr)
            return 2
        code = asyncio.run(apply(policy, args.customer, args.reason, args.dry_run))
        # Seen once in CI: the process aborted (SIGABRT) on its way out after a finished
        # rollout, as the Temporal client's native runtime was torn down. The rollout is
        # done and its outcome printed: leave without tearing anything down.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    if args.command == "diff":
        try:
            old, new = load_policy(args.old), load_policy(args.new)
        except PolicyError as error:
            print(error, file=sys.stderr)
            return 2
        changes = diff_policies(old, new, args.at or datetime.now(UTC))
        print(describe_diff(changes, open_ticket_kinds(get_settings().database_url)))
        # As diff(1): 0 when the same, 1 when they differ.
        return 1 if changes else 0
    try:
        policy = load_policy(args.file)
    except PolicyError as error:
        print(error, file=sys.stderr)
        return 1
    if args.plan is None and args.severity is None and args.at is None:
        print(explain_targets(policy))
        return 0
    if args.plan is None or args.severity is None or args.at is None:
        parser.error("explain for one ticket needs --plan, --severity and --at together")
    try:
        print(explain(policy, args.plan, args.severity, args.type, args.channel, args.at))
    except CalendarNeverOpen as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

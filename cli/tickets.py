"""``python -m cli.tickets``: change a ticket from the server's own shell, through the same
change, checks and workflow update as the API and the console.

    python -m cli.tickets change TCK-0123456789AB respond --as ana body="Restarted the pool"
    python -m cli.tickets change TCK-0123456789AB update-interval --as ana interval=2h
    python -m cli.tickets changes      # every change and its fields

Fields are ``name=value`` pairs, checked exactly as the JSON routes check their bodies;
``--as`` names who makes the change (it fills the change's author). A refused change
prints the ticket's reason and exits with 1, bad input exits with 2.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from sqlmodel import Session

from config import get_settings
from sla.policy.loading import load_policy
from store.db import make_engine
from store.migrations import DatabaseBehind, require_current
from tickets.changes import CHANGES, Audience, ChangeKind, parse_change
from tickets.commands import make_change
from tickets.errors import Invalid, TicketError
from tickets.services import AppResources
from workflow_client import connect


def _fields(pairs: list[str]) -> dict[str, str]:
    fields = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise ValueError(pair)
        fields[name] = value
    return fields


def describe() -> str:
    lines = []
    for action, change in CHANGES.items():
        who = "the customer or staff" if change.audience is Audience.CUSTOMER else "staff"
        fields = ", ".join(f"{name}{'' if info.is_required() else '?'}"
                           for name, info in change.model_fields.items()
                           if name != change.actor_field)
        lines.append(f"{action:16} ({who}): {fields}")
    return "\n".join(lines)


async def change(ticket_id: str, action: str, actor: str, pairs: list[str],
                 request_key: str | None) -> int:
    try:
        fields = _fields(pairs)
    except ValueError as error:
        print(f"{error}: fields are name=value pairs, e.g. body='Restarted the pool'",
              file=sys.stderr)
        return 2
    # The shell is staff's; a customer's change (a reply taken by phone) is theirs to make.
    audience = CHANGES[ChangeKind(action)].audience
    try:
        parsed = parse_change(action, fields, audience, actor=actor)
    except Invalid as error:
        for problem in error.problems:
            print(f"{'.'.join(problem.where[1:]) or problem.where[0]}: {problem.message}",
                  file=sys.stderr)
        return 2
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        require_current(engine)
        resources = AppResources(settings, engine, await connect(settings),
                                 load_policy(settings.sla_policy_file))
        with Session(engine) as session:
            changed = await make_change(resources, session, ticket_id, parsed, request_key)
    except DatabaseBehind as behind:
        print(behind, file=sys.stderr)
        return 2
    except TicketError as error:
        print(f"{action} refused: {error.detail}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    view = changed.view
    print(f"{view.ticket_id}: {action} done; status {view.status}, escalation level "
          f"{view.escalation_level}" + (f", next due {view.next_due_clock} at "
                                        f"{view.next_due_at:%Y-%m-%d %H:%M} UTC"
                                        if view.next_due_at else ""))
    failing = view.failing_step
    if failing is not None:
        # A retry answers before its try ends: the ticket's page shows how the try went.
        print(f"{failing.step} failing since {failing.since:%Y-%m-%d %H:%M} UTC "
              f"({failing.rounds} rounds, next try {failing.retry_at:%H:%M} UTC): "
              f"{failing.error}")
    for item in changed.masked:
        print(f"masked in {item.field}: {item.kind} ({item.masked})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cli.tickets", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("change", help="make one change to a ticket")
    one.add_argument("ticket_id")
    one.add_argument("action", choices=[str(action) for action in CHANGES])
    one.add_argument("fields", nargs="*", help="name=value pairs")
    one.add_argument("--as", dest="actor", required=True, help="who makes the change")
    one.add_argument("--key", dest="request_key",
                     help="run it again with the same key: the change applies once")
    commands.add_parser("changes", help="list every change and its fields")
    # Fields may come before or after --as: what argparse leaves over is more fields.
    args, rest = parser.parse_known_args(argv)
    unknown = [item for item in rest if item.startswith("-")]
    if unknown or (rest and args.command != "change"):
        parser.error(f"unrecognized arguments: {' '.join(unknown or rest)}")
    if args.command == "changes":
        print(describe())
        return 0
    return asyncio.run(change(args.ticket_id, args.action, args.actor, args.fields + rest,
                              args.request_key))


if __name__ == "__main__":
    sys.exit(main())

"""``python -m cli.keys``: make, list and revoke API keys from the server's own shell.

For the first key, a lost admin key, and rotation without the API: ``create`` prints the
new key once (only its hash is stored), ``list`` shows every key without its secret,
``revoke ID`` stops a key at once.
"""

from __future__ import annotations

import argparse
import sys

from sqlmodel import Session

from config import get_settings
from sla.addresses import one_address
from store.db import make_engine
from store.keys import ROLES, create_key, list_keys, revoke_key
from store.migrations import DatabaseBehind, require_current


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cli.keys", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a key and print it")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--customer-id", type=int, help="the customer of a customer key")
    create.add_argument("--name", default="", help="whose key this is")
    create.add_argument("--email", default=None,
                        help="a staff key's mail address: an assigned ticket's warnings go there")
    commands.add_parser("list", help="list keys (id, role, customer, name, created, revoked)")
    revoke = commands.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id", type=int)
    args = parser.parse_args(argv)
    engine = make_engine(get_settings().database_url)
    try:
        require_current(engine)
    except DatabaseBehind as behind:
        print(behind, file=sys.stderr)
        return 2
    with Session(engine) as session:
        if args.command == "list":
            for row in list_keys(session):
                revoked = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
                customer = f"customer {row.customer_id}" if row.customer_id else "-"
                print(f"{row.id}\t{row.role}\t{customer}\t{row.name or '-'}\t{row.email or '-'}\t"
                      f"created {row.created_at:%Y-%m-%d %H:%M}\t{revoked}")
            return 0
        if args.command == "revoke":
            revoked_row = revoke_key(session, args.key_id)
            if revoked_row is None:
                print(f"no key {args.key_id}", file=sys.stderr)
                return 1
            print(f"key {revoked_row.id} ({revoked_row.role}, {revoked_row.name or 'unnamed'}) "
                  f"revoked at {revoked_row.revoked_at:%Y-%m-%d %H:%M:%S} UTC")
            return 0
        try:
            email = None if args.email is None else one_address(args.email)
            row, key = create_key(session, args.role, args.name, args.customer_id, email)
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2
    print(key)
    print(f"(key {row.id}, role {row.role}; only its hash is stored: keep it now)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

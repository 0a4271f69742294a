"""``python -m cli.keys create --role admin``: make an API key (printed once, stored hashed)."""

from __future__ import annotations

import argparse
import sys

from sqlmodel import Session

from config import get_settings
from store.db import make_engine
from store.keys import ROLES, create_key
from store.migrations import DatabaseBehind, require_current


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cli.keys", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a key and print it")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--customer-id", type=int, help="the customer of a customer key")
    create.add_argument("--name", default="", help="whose key this is")
    args = parser.parse_args(argv)
    engine = make_engine(get_settings().database_url)
    try:
        require_current(engine)
    except DatabaseBehind as behind:
        print(behind, file=sys.stderr)
        return 2
    with Session(engine) as session:
        try:
            row, key = create_key(session, args.role, args.name, args.customer_id)
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2
    print(key)
    print(f"(key {row.id}, role {row.role}; only its hash is stored: keep it now)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

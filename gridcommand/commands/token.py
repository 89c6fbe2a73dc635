"""`gridcommand token add|list|revoke`: the systems that call the incident API.

``add`` prints the new token once; only its SHA-256 is stored, so a lost token is
revoked and replaced, never recovered. A running `serve` refuses a revoked token
within 5 seconds."""
from __future__ import annotations

import argparse
import json
import sys

from core.roles import CLIENT_ROLES
from gridcommand.commands import DB_HELP


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="token_command", metavar="ACTION")
    sub.required = True
    add = sub.add_parser("add", help="add an API client and print its token (shown this once)")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", required=True, choices=CLIENT_ROLES,
                     help="intake: POST incidents (110); support: units' support requests")
    add.add_argument("--json", action="store_true", help="print {name, role, token} as JSON")
    lst = sub.add_parser("list", help="list API clients (never their tokens)")
    lst.add_argument("--json", action="store_true", help="print a JSON array")
    rev = sub.add_parser("revoke", help="refuse a client's token from now on")
    rev.add_argument("name", metavar="NAME")
    for p in (add, lst, rev):
        p.add_argument("--db", metavar="URL", help=DB_HELP)


def run(args: argparse.Namespace) -> int:
    from core.incidents import FieldError
    from db.operations import OperationRunner
    from db.users_repo import add_client, list_clients, revoke_client
    from gridcommand.commands.db import open_current, open_migrated
    from gridcommand.commands.device import print_table

    engine = open_current(args.db) if args.token_command == "list" else open_migrated(args.db)
    try:
        if args.token_command == "list":
            clients = list_clients(engine)
            if args.json:
                print(json.dumps([c.to_dict() for c in clients], ensure_ascii=False, indent=1))
            else:
                print_table(("NAME", "ROLE", "CREATED", "STATE"),
                            [(c.name, c.role, f"{c.created_at:%Y-%m-%d %H:%M}",
                              f"revoked {c.revoked_at:%Y-%m-%d %H:%M} UTC" if c.revoked_at else "active")
                             for c in clients])
                print(f"{len(clients)} API clients")
            return 0
        runner = OperationRunner(engine)
        try:
            if args.token_command == "add":
                client, token = add_client(runner, args.name, args.role)
                if args.json:
                    print(json.dumps({"name": client.name, "role": client.role, "token": token}))
                else:
                    print(f"API client {client.name} ({client.role}) added. Its token, shown this once:")
                    print(token)
            else:
                client = revoke_client(runner, args.name)
                print(f"API client {client.name} revoked at {client.revoked_at:%Y-%m-%d %H:%M:%S} UTC")
        except FieldError as exc:
            print(f"gridcommand token: {exc}", file=sys.stderr)
            return 2
        return 0
    finally:
        engine.dispose()

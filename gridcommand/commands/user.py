"""`gridcommand user add|list|disable|passwd|role`: the people who log in, and their role.

Adding, disabling and changing users are operations (permission ``manage_users``,
audited). The password is read from standard input (``--password-stdin``: the first
line) or asked for twice on the terminal; it is never an argument, so it stays out of
the shell history and the process list."""
from __future__ import annotations

import argparse
import getpass
import json
import sys

from core.roles import ROLES, USER_ROLES
from gridcommand.commands import DB_HELP


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="user_command", metavar="ACTION")
    sub.required = True
    add = sub.add_parser("add", help="add a user with a role and a password")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", required=True, metavar="R", help=f"one of {', '.join(USER_ROLES)}")
    add.add_argument("--display-name", metavar="TEXT", help="the name the desktop shows (default NAME)")
    lst = sub.add_parser("list", help="list users, their role and whether they can log in")
    lst.add_argument("--json", action="store_true", help="print a JSON array")
    dis = sub.add_parser("disable", help="stop a user logging in (their audit rows stay)")
    dis.add_argument("name", metavar="NAME")
    pw = sub.add_parser("passwd", help="set a user's password (this also unlocks a locked account)")
    pw.add_argument("name", metavar="NAME")
    role = sub.add_parser("role", help="change a user's role")
    role.add_argument("name", metavar="NAME")
    role.add_argument("--role", required=True, metavar="R", help=f"one of {', '.join(USER_ROLES)}")
    for p in (add, pw):
        p.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    for p in (add, lst, dis, pw, role):
        p.add_argument("--db", metavar="URL", help=DB_HELP)


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise ValueError("password: no terminal to ask on; pass --password-stdin and the password on stdin")
    first = getpass.getpass("密码 password: ")
    if getpass.getpass("再次输入 again: ") != first:
        raise ValueError("password: the two entries differ")
    return first


def run(args: argparse.Namespace) -> int:
    from core.incidents import FieldError
    from db.operations import OperationRunner
    from db.users_repo import add_user, disable_user, list_users, set_password, set_role
    from gridcommand.commands.db import open_current, open_migrated
    from gridcommand.commands.device import print_table

    engine = open_current(args.db) if args.user_command == "list" else open_migrated(args.db)
    try:
        if args.user_command == "list":
            users = list_users(engine)
            if args.json:
                print(json.dumps([u.to_dict() for u in users], ensure_ascii=False, indent=1))
            else:
                print_table(("NAME", "DISPLAY NAME", "ROLE", "STATE"),
                            [(u.username, u.display_name, ROLES[u.role].label if u.role in ROLES else u.role,
                              "disabled" if u.disabled else f"locked until {u.locked_until:%Y-%m-%d %H:%M} UTC"
                              if u.locked_until else "active") for u in users])
                print(f"{len(users)} users")
            return 0
        runner = OperationRunner(engine)
        try:
            if args.user_command == "add":
                user = add_user(runner, args.name, args.role, read_password(args.password_stdin), args.display_name)
                print(f"user {user.username} added ({ROLES[user.role].label})")
            elif args.user_command == "passwd":
                set_password(runner, args.name, read_password(args.password_stdin))
                print(f"password of {args.name} set")
            elif args.user_command == "role":
                user = set_role(runner, args.name, args.role)
                print(f"user {user.username} is now {ROLES[user.role].label}")
            else:
                disable_user(runner, args.name)
                print(f"user {args.name} disabled")
        except (FieldError, ValueError) as exc:
            print(f"gridcommand user: {exc}", file=sys.stderr)
            return 2
        return 0
    finally:
        engine.dispose()

"""`gridcommand workorders departments|categories|add|list|act|export|findings`: hand-over
work orders (工作交办单) under 13710, and patrol findings (巡查发现).

Bad input prints one line naming the field and exits 2 with nothing written; an
action the order's state does not allow names the allowed ones (exit 2); a version
conflict exits 4. Times are ISO 8601 (without an offset: the configured zone) and are
printed in UTC with ``Z``. The parser names no choices from core (building it is on the
GUI's start-up path); the operations check kinds, sources and actions, ``list`` its filters."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gridcommand.commands.track import parse_time_arg

_DB_HELP = "database URL (default: settings, $GRIDCOMMAND_DB, or the local SQLite file)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="wo_command", metavar="ACTION")
    sub.required = True
    deps = sub.add_parser("departments", help="the handling departments (editable code table)")
    cats = sub.add_parser("categories", help="the patrol-finding categories (editable code table)")
    add = sub.add_parser("add", help="issue a work order")
    add.add_argument("--title", required=True)
    add.add_argument("--description", required=True)
    add.add_argument("--department", required=True, metavar="CODE")
    add.add_argument("--kind", required=True, help="ordinary | major")
    add.add_argument("--lat", type=float, required=True)
    add.add_argument("--lon", type=float, required=True)
    add.add_argument("--source", default=None,
                     help="patrol | incident | hotline | manual (default: incident with --incident, else manual)")
    add.add_argument("--incident", type=int, metavar="ID", help="the incident the problem was found at")
    add.add_argument("--issued-at", type=parse_time_arg, metavar="ISO", help="back-enter a paper order")
    add.add_argument("--requirements")
    add.add_argument("--responsible", help="the person responsible in the department")
    add.add_argument("--contact")
    lst = sub.add_parser("list", help="orders with their lights (newest first)")
    lst.add_argument("--status", help="issued | signed | in_progress | close_requested | closed | cancelled")
    lst.add_argument("--overdue", action="store_true", help="only red orders: the supervision list (督办)")
    lst.add_argument("--department", metavar="CODE")
    lst.add_argument("--grid", metavar="CODE")
    lst.add_argument("--light", help="red | yellow | green")
    lst.add_argument("--at", type=parse_time_arg, metavar="ISO", help="evaluate lights as of this time")
    do = sub.add_parser("act", help="take one step on an order")
    do.add_argument("number")
    do.add_argument("action", help="sign | progress | request-close | close | send-back | extend | "
                                   "approve-extension | refuse-extension | cancel | supervise")
    do.add_argument("--note", help="progress note, result, opinion or reason")
    do.add_argument("--until", type=parse_time_arg, metavar="ISO", help="extend: the new resolve deadline")
    do.add_argument("--rating", help="close: 优秀/良好/合格/不合格 or excellent/good/pass/fail")
    do.add_argument("--at", type=parse_time_arg, metavar="ISO", help="when it happened (default: now)")
    do.add_argument("--version", type=int, help="the version you last saw (optimistic locking)")
    exp = sub.add_parser("export", help="write the register of orders to XLSX or CSV")
    exp.add_argument("--from", dest="start", type=parse_time_arg, metavar="ISO", help="issued at or after")
    exp.add_argument("--to", dest="end", type=parse_time_arg, metavar="ISO", help="issued before")
    exp.add_argument("--format", required=True, choices=("xlsx", "csv"))
    exp.add_argument("--out", required=True, type=Path, metavar="FILE")
    exp.add_argument("--at", type=parse_time_arg, metavar="ISO", help="evaluate lights as of this time")
    find = sub.add_parser("findings", help="record a patrol finding (巡查发现)")
    find_sub = find.add_subparsers(dest="findings_command", metavar="ACTION")
    find_sub.required = True
    fadd = find_sub.add_parser("add", help="record a finding; handed over, it issues a work order")
    fadd.add_argument("--lat", type=float, required=True)
    fadd.add_argument("--lon", type=float, required=True)
    fadd.add_argument("--category", required=True, metavar="CODE")
    fadd.add_argument("--description", required=True)
    fadd.add_argument("--outcome", required=True, choices=("on_spot", "handed_over"),
                      help="on_spot: handled on the spot (立查立纠); handed_over: on a work order")
    fadd.add_argument("--photo", action="append", type=Path, default=[], metavar="FILE")
    fadd.add_argument("--department", metavar="CODE", help="handed over: default is the category's department")
    fadd.add_argument("--kind", default="ordinary", help="ordinary | major (a handed-over finding's order)")
    fadd.add_argument("--title")
    fadd.add_argument("--incident", type=int, metavar="ID")
    fadd.add_argument("--found-at", type=parse_time_arg, metavar="ISO")
    for p in (deps, cats, add, lst, do, exp, fadd):
        p.add_argument("--db", metavar="URL", help=_DB_HELP)
    for p in (deps, cats, add, lst, do, fadd):
        p.add_argument("--json", action="store_true", help="print JSON")


def _fail(message: str, code: int = 2) -> int:
    print(f"gridcommand workorders: {message}", file=sys.stderr)
    return code


def _print_json(value) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=1))


def _order_line(order) -> str:
    late = f" overdue: {', '.join(order.overdue)}" if order.overdue else ""
    return (f"{order.number}  {order.light:<6} {order.status:<15} {order.department_name}  {order.grid_code or '-'}  "
            f"{order.title}{late}")


def run(args: argparse.Namespace) -> int:
    from core.incidents import FieldError
    from core.workorders import ActionNotAllowed
    from db.config import load_settings
    from db.operations import ConflictError, OperationRunner, PermissionDenied
    from db.workorders_repo import WorkOrderNotFound
    from gridcommand.commands.db import open_migrated

    settings, _ = load_settings()
    engine = open_migrated(args.db)
    try:
        runner = OperationRunner(engine)
        return _dispatch(args, runner, settings.workorders)
    except FieldError as exc:
        writes = args.wo_command in ("add", "act", "findings")
        return _fail(f"{exc}; nothing was written" if writes else str(exc))
    except (ActionNotAllowed, WorkOrderNotFound) as exc:
        return _fail(str(exc))
    except ConflictError as exc:
        return _fail(str(exc), 4)
    except PermissionDenied as exc:
        return _fail(str(exc), 5)
    finally:
        engine.dispose()


def _dispatch(args: argparse.Namespace, runner, settings) -> int:
    command = args.wo_command
    if command in ("departments", "categories"):
        return _code_table(args, runner, "department" if command == "departments" else "finding_category")
    if command == "add":
        return _add(args, runner, settings)
    if command == "list":
        return _list(args, runner)
    if command == "act":
        return _act(args, runner, settings)
    if command == "export":
        return _export(args, runner)
    return _finding(args, runner, settings)


def _code_table(args, runner, table: str) -> int:
    from db.engine import session_factory
    from db.workorders_repo import code_entries

    with session_factory(runner.engine)() as session:
        entries = code_entries(session, table)
    if args.json:
        _print_json([{"code": e.code, "name": e.label_zh} for e in entries])
    else:
        for e in entries:
            print(f"{e.code:<22} {e.label_zh}")
        if not entries:
            print("(empty: run `gridcommand db seed-demo`, or add rows to the code table)")
    return 0


def _warn_outside(lat: float, lon: float) -> None:
    print(f"gridcommand workorders: warning: {lat}, {lon} is outside every grid (saved without a grid)",
          file=sys.stderr)


def _add(args, runner, settings) -> int:
    from core.workorders import order_json
    from db.workorder_ops import NewOrder, issue_order

    source = args.source or ("incident" if args.incident is not None else "manual")
    issued = issue_order(runner, NewOrder(
        title=args.title, description=args.description, department=args.department, kind=args.kind, lon=args.lon,
        lat=args.lat, source=source, incident_id=args.incident, issued_at=args.issued_at,
        requirements=args.requirements, responsible=args.responsible, contact=args.contact), settings)
    if issued.outside_grid:
        _warn_outside(args.lat, args.lon)
    if args.json:
        _print_json(order_json(issued.order))
    else:
        print(_order_line(issued.order))
    return 0


def _list(args, runner) -> int:
    from core.incidents import FieldError
    from core.workorders import LIGHTS, STATUSES, order_json
    from db.engine import session_factory
    from db.workorders_repo import OrderFilter, list_orders

    for name, value, allowed in (("status", args.status, STATUSES), ("light", args.light, LIGHTS)):
        if value is not None and value not in allowed:
            raise FieldError(name, f"must be one of {', '.join(allowed)}, got {value!r}")

    at = args.at or runner.clock.now()
    f = OrderFilter(status=args.status, overdue=args.overdue, department=args.department, grid_code=args.grid,
                    light=args.light)
    with session_factory(runner.engine)() as session:
        orders = list_orders(session, at, f)
    if args.json:
        _print_json([order_json(o) for o in orders])
        return 0
    for order in orders:
        print(_order_line(order))
    print(f"{len(orders)} orders; lights as of {at.isoformat()}")
    return 0


def _act(args, runner, settings) -> int:
    from core.workorders import order_json
    from db.workorder_ops import act

    order = act(runner, args.number, args.action, note=args.note, until=args.until, rating=args.rating, at=args.at,
                expected_version=args.version, settings=settings)
    if args.json:
        _print_json(order_json(order))
    else:
        print(_order_line(order))
    return 0


def _export(args, runner) -> int:
    from db.engine import session_factory
    from db.workorders_repo import OrderFilter, export_rows
    from gridcommand.commands.workorder_files import write_csv, write_xlsx

    at = args.at or runner.clock.now()
    with session_factory(runner.engine)() as session:
        rows = export_rows(session, at, OrderFilter(issued_from=args.start, issued_to=args.end))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    (write_xlsx if args.format == "xlsx" else write_csv)(rows, args.out)
    print(f"{len(rows)} orders written to {args.out}", file=sys.stderr)
    return 0


def _finding(args, runner, settings) -> int:
    from core.incidents import FieldError
    from core.workorders import order_json
    from db.findings_ops import NewFinding, record_finding

    photos = []
    for n, path in enumerate(args.photo, 1):
        try:
            size = path.stat().st_size
            if size > settings.photo_max_bytes:  # refuse before reading a huge file into memory
                raise FieldError(f"photo {n}", f"{path}: {size} bytes is over the limit of "
                                                f"{settings.photo_max_bytes} bytes")
            photos.append(path.read_bytes())
        except OSError as exc:
            raise FieldError(f"photo {n}", f"cannot read {path}: {exc.strerror}") from None
    done = record_finding(runner, NewFinding(
        lon=args.lon, lat=args.lat, category=args.category, description=args.description, outcome=args.outcome,
        photos=tuple(photos), found_at=args.found_at, incident_id=args.incident, department=args.department,
        kind=args.kind, title=args.title), settings)
    if done.outside_grid:
        _warn_outside(args.lat, args.lon)
    result = {"finding_id": done.finding_id, "grid_code": done.grid_code, "outcome": args.outcome,
              "photos": len(photos), "work_order": order_json(done.order) if done.order else None}
    if args.json:
        _print_json(result)
    else:
        handed = f"; handed over on {_order_line(done.order)}" if done.order else "; handled on the spot (立查立纠)"
        print(f"finding {done.finding_id} in grid {done.grid_code or '-'}{handed}")
    return 0

"""`gridcommand device add|list|remove`: which device reports for which unit, and for
which side (police or city: joint patrols pair one of each).

Adding and removing are business-data writes: they go through the operation
runner (audit row, "units" change). A running `serve` picks them up within
seconds (its device cache expires)."""
from __future__ import annotations

import argparse
import json
import sys

from gridcommand.commands import DB_HELP

_MAX_DEVICE_ID = 128
_MAX_KIND = 32
AGENCIES = ("police", "city")


class DeviceError(ValueError):
    """A device command that cannot be done; the message says why."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="device_command", metavar="ACTION")
    sub.required = True
    add = sub.add_parser("add", help="register a device for a unit (or move it to that unit)")
    add.add_argument("device_id", metavar="DEVICE_ID")
    add.add_argument("--unit", required=True, metavar="CALLSIGN")
    add.add_argument("--kind", default="phone", metavar="K", help="phone, body_camera, radio, ... (default phone)")
    add.add_argument("--agency", choices=AGENCIES,
                     help="the side the device reports for (default: the unit's agency; required for a joint group)")
    lst = sub.add_parser("list", help="list registered devices")
    lst.add_argument("--unit", metavar="CALLSIGN", help="only this unit's devices")
    lst.add_argument("--json", action="store_true", help="print a JSON array")
    rm = sub.add_parser("remove", help="unregister a device (its position history stays)")
    rm.add_argument("device_id", metavar="DEVICE_ID")
    for p in (add, lst, rm):
        p.add_argument("--db", metavar="URL", help=DB_HELP)


def _check_device_id(raw: str) -> str:
    device_id = raw.strip()
    if not device_id or len(device_id) > _MAX_DEVICE_ID or not device_id.isprintable():
        raise DeviceError(f"invalid device id {raw!r} (1-{_MAX_DEVICE_ID} printable characters)")
    return device_id


def _snapshot(device, callsign: str) -> dict:
    return {"device_id": device.device_id, "unit": callsign, "agency": device.agency, "kind": device.kind,
            "active": device.active}


def device_agency(requested: str | None, callsign: str, unit_agency: str) -> str:
    """The side a device reports for: police or city. A joint group's device must say which;
    a single-agency unit's device takes (and may only take) the unit's agency."""
    if requested is not None and requested not in AGENCIES:
        raise DeviceError(f"agency: expected police or city, got {requested!r}")
    if unit_agency in AGENCIES:
        if requested not in (None, unit_agency):
            raise DeviceError(f"agency: {callsign} is a {unit_agency} unit; its devices report as {unit_agency}")
        return unit_agency
    if requested is None:
        raise DeviceError(f"agency: {callsign} is a joint group; say which side the device is (--agency police|city)")
    return requested


def add_device(runner, device_id: str, callsign: str, kind: str = "phone", agency: str | None = None) -> str:
    """Register ``device_id`` for the unit ``callsign``; returns what happened, in words."""
    from sqlalchemy import select

    from db.models import Device, Unit

    device_id = _check_device_id(device_id)
    kind = kind.strip()
    if not kind or len(kind) > _MAX_KIND:
        raise DeviceError(f"invalid kind {kind!r}")

    def write(ctx) -> str:
        session = ctx.session
        unit = session.scalar(select(Unit).where(Unit.callsign == callsign))
        if unit is None:
            raise DeviceError(f"no unit with callsign {callsign!r}")
        side = device_agency(agency, callsign, unit.agency)
        device = session.scalar(select(Device).where(Device.device_id == device_id))
        if device is None:
            device = Device(device_id=device_id, unit_id=unit.id, kind=kind, agency=side, active=True,
                            created_at=ctx.now)
            session.add(device)
            session.flush()
            ctx.audit("devices", device_id, None, _snapshot(device, callsign))
            ctx.changed("units", unit.id)
            return f"device {device_id} added to {callsign}"
        old_unit = session.get(Unit, device.unit_id)
        old_callsign = old_unit.callsign if old_unit is not None else None
        if device.unit_id == unit.id and device.kind == kind and device.active and device.agency == side:
            return f"device {device_id} already belongs to {callsign}"
        before = _snapshot(device, old_callsign)
        device.unit_id, device.kind, device.agency, device.active, device.updated_at = unit.id, kind, side, True, ctx.now
        ctx.audit("devices", device_id, before, _snapshot(device, callsign))
        ctx.changed("units", unit.id)
        if old_unit is not None and old_unit.id != unit.id:
            ctx.changed("units", old_unit.id)
            return f"device {device_id} moved from {old_callsign} to {callsign}"
        return f"device {device_id} updated on {callsign}"

    return runner.run("add device", write, "manage_devices")


def remove_device(runner, device_id: str) -> str:
    from sqlalchemy import select

    from db.models import Device, Unit

    def write(ctx) -> str:
        device = ctx.session.scalar(select(Device).where(Device.device_id == device_id))
        if device is None:
            raise DeviceError(f"no device {device_id!r}")
        unit = ctx.session.get(Unit, device.unit_id)
        callsign = unit.callsign if unit is not None else None
        ctx.audit("devices", device_id, _snapshot(device, callsign), None)
        ctx.session.delete(device)
        ctx.changed("units", device.unit_id)
        return f"device {device_id} removed from {callsign}"

    return runner.run("remove device", write, "manage_devices")


def list_devices(session, callsign: str | None = None) -> list:
    from sqlalchemy import case, func, select

    from db.models import Device, Unit

    agency = func.coalesce(Device.agency, case((Unit.agency.in_(AGENCIES), Unit.agency), else_=None))
    query = (select(Device.device_id, Unit.callsign, agency.label("agency"), Device.kind, Device.active)
             .join(Unit, Unit.id == Device.unit_id).order_by(Unit.callsign, Device.device_id))
    if callsign is not None:
        query = query.where(Unit.callsign == callsign)
    return list(session.execute(query))


def run(args: argparse.Namespace) -> int:
    from db.engine import session_factory
    from db.operations import OperationRunner
    from gridcommand.commands.db import open_current, open_migrated

    # Listing only reads; adding or removing a device writes and may migrate the embedded file.
    engine = open_current(args.db) if args.device_command == "list" else open_migrated(args.db)
    try:
        if args.device_command == "list":
            with session_factory(engine)() as session:
                rows = list_devices(session, args.unit)
            if args.json:
                print(json.dumps([{"device_id": r.device_id, "unit": r.callsign, "agency": r.agency, "kind": r.kind,
                                   "active": bool(r.active)} for r in rows], ensure_ascii=False, indent=1))
            else:
                _print_table(rows)
            return 0
        runner = OperationRunner(engine)
        try:
            if args.device_command == "add":
                print(add_device(runner, args.device_id, args.unit, args.kind, args.agency))
            else:
                print(remove_device(runner, args.device_id))
        except DeviceError as exc:
            print(f"gridcommand device: {exc}", file=sys.stderr)
            return 2
        return 0
    finally:
        engine.dispose()


def _print_table(rows) -> None:
    print_table(("DEVICE_ID", "UNIT", "AGENCY", "KIND", "ACTIVE"),
                [(r.device_id, r.callsign, r.agency or "", r.kind, "yes" if r.active else "no") for r in rows])
    print(f"{len(rows)} devices")


def print_table(header: tuple, rows: list) -> None:
    """Aligned columns (CJK-aware), header first."""
    table = [header] + [tuple(str(cell) for cell in row) for row in rows]
    widths = [max(display_width(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(pad(cell, width) for cell, width in zip(row, widths)).rstrip())


def display_width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text))


def pad(text: str, width: int) -> str:
    return str(text) + " " * (width - display_width(text))

"""`gridcommand incidents create|dispatch|show|list`: the incident docks' actions on the command line.

Writes go through the operation runner as the local user (audited like the
docks). `dispatch` ranks the units exactly as the 就近派警 dock does (core.dispatch
rank_units over every tier, road travel time when streets are loaded) and records
each chosen unit's mode, ETA and ring; a unit the ranking left out (stale fix, wrong
agency) is sent with a straight-line estimate, as a click on the map does."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from gridcommand.commands.track import utc_iso

# `incidents show --json` timestamps: key -> the incident's state (docs/domain.md's words in code names).
TIMESTAMP_KEYS = (("received_utc", "received"), ("dispatched_utc", "dispatched"), ("signed_utc", "acknowledged"),
                  ("en_route_utc", "en_route"), ("arrived_utc", "on_scene"), ("handling_utc", "handling"),
                  ("reported_utc", "reported"), ("closed_utc", "closed"), ("cancelled_utc", "cancelled"))
_DB_HELP = "database URL (default: settings, $GRIDCOMMAND_DB, or the local SQLite file)"


class CommandError(Exception):
    """One line for the user; nothing was written."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="incidents_command", metavar="ACTION")
    sub.required = True
    create = sub.add_parser("create", help="take an incident (接警); prints its number")
    create.add_argument("--lat", type=float, required=True, help="WGS84 latitude")
    create.add_argument("--lon", type=float, required=True, help="WGS84 longitude")
    create.add_argument("--category", required=True, help="category code, e.g. dispute, traffic_accident")
    create.add_argument("--level", default="general", help="level code (default general)")
    create.add_argument("--source", default="110", help="source code (default 110)")
    create.add_argument("--address", help="address or place")
    create.add_argument("--description", help="what the caller said")
    create.add_argument("--json", action="store_true", help="print the incident as `show --json` does")
    dispatch = sub.add_parser("dispatch", help="send units to an incident (派警), ranked as the dispatch dock ranks")
    dispatch.add_argument("number", help="incident number, e.g. JQ20250501-0001")
    dispatch.add_argument("--unit", action="append", required=True, metavar="CALLSIGN", dest="units",
                          help="a unit to send (repeat for more)")
    dispatch.add_argument("--mode", choices=("road", "straight"),
                          help="road travel time or straight-line estimate (default: road when streets are loaded)")
    dispatch.add_argument("--json", action="store_true", help="print the incident as `show --json` does")
    show = sub.add_parser("show", help="one incident: state, timestamps and units")
    show.add_argument("number", help="incident number")
    show.add_argument("--json", action="store_true", help="print JSON")
    lst = sub.add_parser("list", help="open incidents (--all: every incident), oldest first")
    lst.add_argument("--all", action="store_true", help="closed, cancelled and invalid ones too")
    lst.add_argument("--json", action="store_true", help="print a JSON array")
    close = sub.add_parser("close", help="close an incident (办结) and record its outcome")
    close.add_argument("number", help="incident number")
    close.add_argument("--rescued", type=int, default=0, metavar="N", help="people rescued (救助群众)")
    close.add_argument("--property-cny", type=float, default=0.0, metavar="YUAN",
                       help="lost property recovered for its owner, in yuan (帮助找回财物)")
    close.add_argument("--mediated", action="store_true", help="a dispute was mediated (调解纠纷)")
    close.add_argument("--accident-on-scene", action="store_true",
                       help="a traffic accident settled on the spot under the simple procedure (处置车祸)")
    close.add_argument("--note", help="what was done")
    commend = sub.add_parser("commend", help="log a commendation a unit received (锦旗, letter of thanks)")
    commend.add_argument("--unit", required=True, metavar="CALLSIGN")
    commend.add_argument("--date", required=True, type=_local_date, metavar="DATE", help="local day received")
    commend.add_argument("--kind", required=True, choices=("banner", "letter"), help="banner: 锦旗; letter: 感谢信")
    commend.add_argument("--note")
    export = sub.add_parser("export", help="every incident of a period with its timestamps, units and outcome")
    export.add_argument("--from", dest="start", required=True, type=_local_date, metavar="DATE")
    export.add_argument("--to", dest="end", required=True, type=_local_date, metavar="DATE")
    export.add_argument("--grid", metavar="CODE")
    export.add_argument("--format", choices=("json", "csv"), default="json")
    for p in (create, dispatch, show, lst, close, commend, export):
        p.add_argument("--db", metavar="URL", help=_DB_HELP)


def _local_date(text: str):
    from gridcommand.commands.stats import local_date

    return local_date(text)


# ---------------------------------------------------------------- reading

def find_incident(session, number: str):
    from sqlalchemy import select

    from db.incidents_repo import get_incident
    from db.models import Incident

    incident_id = session.scalar(select(Incident.id).where(Incident.number == number.strip()))
    if incident_id is None:
        raise CommandError(f"no incident numbered {number!r}")
    return get_incident(session, incident_id)


def unit_progress(d) -> str:
    """Where a unit stands on this incident: dispatched, acknowledged, en_route, on_scene or released."""
    if d.released_at is not None:
        return "released"
    if d.arrived_at is not None:
        return "on_scene"
    if d.en_route_at is not None:
        return "en_route"
    return "acknowledged" if d.acknowledged_at is not None else "dispatched"


def incident_json(incident, dispatches) -> dict:
    """The `incidents show --json` document (states by code names, times ISO 8601 UTC with Z)."""
    return {
        "number": incident.number, "state": incident.state, "grid": incident.grid_code,
        "lat": incident.lat, "lon": incident.lon,
        "timestamps": {key: utc_iso(incident.state_time(state)) for key, state in TIMESTAMP_KEYS},
        "units": [{"callsign": d.callsign, "status": unit_progress(d), "dispatched_utc": utc_iso(d.dispatched_at),
                   "arrived_utc": utc_iso(d.arrived_at)} for d in dispatches],
    }


def load_incident_json(session, number: str) -> dict:
    from db.incidents_repo import dispatches_for

    incident = find_incident(session, number)
    return incident_json(incident, dispatches_for(session, incident.id))


# ---------------------------------------------------------------- dispatching

def dispatch_callsigns(runner, session, number: str, callsigns: list[str], *, now: datetime, settings,
                       mode: str | None = None):
    """Send the units called ``callsigns`` to incident ``number``, with what the dock's ranking says about
    each. Returns (incident snapshot, [(callsign, Recommendation or None)]). CommandError names bad input."""
    from core.code_tables import needs_by_category
    from core.dispatch import rank_units
    from core.geodesy import distance_m
    from core.incidents import DispatchRequest
    from core.travel import TravelModel
    from db.code_tables_repo import load_code_tables
    from db.dispatch_repo import load_network
    from db.incident_ops import dispatch_units
    from db.units_repo import load_units

    if len(set(callsigns)) != len(callsigns):
        raise CommandError("--unit: a unit is named twice")
    incident = find_incident(session, number)
    if not incident.is_open:
        raise CommandError(f"incident {number} is {incident.state}: it cannot be dispatched")
    network, units = load_network(session), load_units(session)
    by_callsign = {u.callsign: u for u in units}
    unknown = [c for c in callsigns if c not in by_callsign]
    if unknown:
        raise CommandError(f"--unit: no unit with callsign {unknown[0]!r}")
    mode = mode or ("road" if network is not None else "straight")
    if mode == "road" and network is None:
        raise CommandError("--mode road: no street network is loaded")
    needs = needs_by_category(load_code_tables(session)).get(incident.category, "any")
    # Every tier, as the dock's full ranking (the escalation dock offers the higher tiers).
    ranked = rank_units(units, incident.lon, incident.lat, incident_grid=incident.grid_code, needs=needs, now=now,
                        model=TravelModel.from_settings(settings.dispatch), stale_after_s=settings.live.stale_after_s,
                        mode=mode, network=network)
    rec_of = {r.unit_id: r for r in ranked}
    requests, chosen = [], []
    for callsign in callsigns:
        unit = by_callsign[callsign]
        rec = rec_of.get(unit.unit_id)
        if rec is not None:
            requests.append(DispatchRequest(unit_id=unit.unit_id, mode=rec.mode, eta_s=rec.eta_s, ring=rec.ring,
                                            distance_m=rec.distance_m, tier=rec.tier))
        else:
            fix = unit.last_fix
            metres = distance_m(fix.lon, fix.lat, incident.lon, incident.lat) if fix else None
            requests.append(DispatchRequest(unit_id=unit.unit_id, mode="straight", distance_m=metres))
        chosen.append((callsign, rec))
    snapshot, _ = dispatch_units(runner, incident.id, requests, expected_version=incident.version)
    return snapshot, chosen


# ---------------------------------------------------------------- the command

def _fail(message: str) -> int:
    print(f"gridcommand: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from core.clock import SystemClock
    from core.incidents import FieldError, IllegalTransition
    from db.config import load_settings
    from db.engine import session_factory
    from db.operations import Actor, ConflictError, OperationRunner, PermissionDenied
    from gridcommand.commands.db import open_current, open_migrated

    settings, _ = load_settings()
    # export only reads: it never migrates a shared schema
    engine = (open_current if args.incidents_command == "export" else open_migrated)(args.db)
    runner = OperationRunner(engine, Actor.local(), SystemClock())
    sessions = session_factory(engine)
    try:
        with sessions() as session:
            return _run(args, runner, session, settings)
    except CommandError as exc:
        return _fail(str(exc))
    except (FieldError, IllegalTransition, ConflictError, PermissionDenied) as exc:
        return _fail(str(exc))
    except ValueError as exc:  # e.g. UnitUnavailable: "unit X is on_scene, not available"
        return _fail(str(exc))
    finally:
        engine.dispose()


def _run(args, runner, session, settings) -> int:
    action = args.incidents_command
    if action in ("close", "commend", "export"):
        return _outcomes(action, args, runner, session, settings)
    if action == "create":
        return _create(args, runner, session, settings)
    if action == "dispatch":
        snapshot, chosen = dispatch_callsigns(runner, session, args.number, args.units, now=runner.clock.now(),
                                              settings=settings, mode=args.mode)
        session.expire_all()
        if args.json:
            print(json.dumps(load_incident_json(session, args.number), ensure_ascii=False, indent=1))
            return 0
        from core.dispatch import format_distance, format_duration

        for callsign, rec in chosen:
            if rec is None:
                print(f"dispatched {callsign} (not in the ranking: stale fix or wrong agency; straight-line estimate)")
            else:
                ring = f"{rec.ring}-minute ring" if rec.ring else "beyond 5 minutes"
                print(f"dispatched {callsign}: ETA {format_duration(rec.eta_s)} ({ring}), "
                      f"{format_distance(rec.distance_m)} away, {rec.mode}")
        print(f"{snapshot.number} is now {snapshot.state}")
        return 0
    if action == "show":
        doc = load_incident_json(session, args.number)
        if args.json:
            print(json.dumps(doc, ensure_ascii=False, indent=1))
            return 0
        print(f"{doc['number']}  {doc['state']}  grid {doc['grid'] or '-'}  {doc['lat']:.6f}, {doc['lon']:.6f}")
        for key, value in doc["timestamps"].items():
            if value:
                print(f"  {key:<15} {value}")
        for u in doc["units"]:
            print(f"  unit {u['callsign']}: {u['status']}, dispatched {u['dispatched_utc']}, "
                  f"arrived {u['arrived_utc'] or '-'}")
        return 0
    return _list(args, session)


def _create(args, runner, session, settings) -> int:
    from db.incident_ops import create_incident
    from db.incidents_repo import dispatches_for

    incident, duplicates = create_incident(
        runner, lon=args.lon, lat=args.lat, category=args.category, level=args.level, source=args.source,
        address=args.address, description=args.description, settings=settings.dispatch, tz=settings.ui.timezone)
    if args.json:
        print(json.dumps(incident_json(incident, dispatches_for(session, incident.id)), ensure_ascii=False, indent=1))
    else:
        print(incident.number)
    for d in duplicates:
        print(f"possible duplicate of {d.number} ({d.state})", file=sys.stderr)
    return 0


def _list(args, session) -> int:
    from sqlalchemy import select

    from db.incidents_repo import incidents_by_id, open_incidents
    from db.models import Incident

    if args.all:
        ids = session.scalars(select(Incident.id).order_by(Incident.received_at, Incident.id)).all()
        incidents = incidents_by_id(session, ids)
    else:
        incidents = open_incidents(session)
    rows = [{"number": i.number, "state": i.state, "category": i.category, "level": i.level, "tier": i.tier,
             "grid": i.grid_code, "lat": i.lat, "lon": i.lon, "received_utc": utc_iso(i.received_at)}
            for i in incidents]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        print(f"{r['number']}  {r['state']:<12} {r['category']:<16} grid {r['grid'] or '-':<4} {r['received_utc']}")
    print(f"{len(rows)} incidents")
    return 0


def _outcomes(action, args, runner, session, settings) -> int:
    from core.outcomes import check_commendation, check_outcome

    if action == "close":
        from db.incident_ops import close_incident

        outcome = check_outcome({"rescued": args.rescued, "property_recovered_cny": args.property_cny,
                                 "mediated": args.mediated, "accident_on_scene": args.accident_on_scene})
        incident = find_incident(session, args.number)
        snapshot = close_incident(runner, incident.id, outcome, expected_version=incident.version, note=args.note)
        print(f"{snapshot.number} is now {snapshot.state}")
        return 0
    if action == "commend":
        from db.incident_ops import record_commendation

        entry = check_commendation(args.unit, args.date, args.kind, args.note)
        record_commendation(runner, entry)
        print(f"commendation ({entry.kind}) logged for {entry.callsign} on {entry.day.isoformat()}")
        return 0
    from core.stats import PeriodError
    from db.incident_export import EXPORT_KEYS, csv_row, export_incidents

    try:
        records = export_incidents(session, start=args.start, end=args.end, grid_code=args.grid,
                                   time_zone=settings.ui.timezone)
    except PeriodError as exc:
        raise CommandError(str(exc)) from None
    if args.format == "json":
        print(json.dumps(records, ensure_ascii=False, indent=1))
        return 0
    import csv

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(EXPORT_KEYS)
    for record in records:
        writer.writerow(csv_row(record))
    return 0

"""`gridcommand db seed-history`: store the synthetic history core.synthetic_history plans
(raw events only: incidents with their timelines, dispatches and outcomes, patrol
findings, work orders, a commendation, and the fixes of the pilot grid's patrol groups),
then run patrol detection over those fixes exactly as `patrol rebuild` does, so the
check-ins and joint patrols are stored as a running `serve` would have stored them.

No total is stored anywhere: `gridcommand stats` computes the pilot's table from these
events. The whole history is one operation (one audit row); the fixes are the hot path
and, as ingest's, carry no audit rows."""
from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select

from core import synthetic_history as H
from core.grid_lookup import geometry_from_geojson
from core.settings import PatrolSettings, WorkOrderSettings
from core.workorders import compute_deadlines, warning_starts
from db.models import (Commendation, Device, Dispatch, Grid, Incident, IncidentEvent, PatrolFinding, Position, Unit,
                       WorkOrder, WorkOrderNote)
from db.operations import OpContext, OperationRunner
from db.patrol_repo import rebuild
from db.seed import seed_demo

UTC = timezone.utc
ACTOR = "seed-history"
_CHUNK = 5000
_STATE_ORDER = (("dispatched_at", "dispatched"), ("acknowledged_at", "acknowledged"), ("en_route_at", "en_route"),
                ("on_scene_at", "on_scene"), ("handling_at", "handling"), ("reported_at", "reported"),
                ("closed_at", "closed"))


@dataclass(frozen=True)
class HistoryReport:
    incidents: int
    dispatches: int
    findings: int
    work_orders: int
    fixes: int
    patrol_events: int
    already_present: bool = False


def _spots(geometry: dict, rng: random.Random, n: int = 200) -> list[tuple[float, float]]:
    from shapely import Point

    shape = geometry_from_geojson(geometry)
    x0, y0, x1, y1 = shape.bounds
    out = []
    while len(out) < n:
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if shape.contains(Point(x, y)):
            out.append((round(x, 6), round(y, 6)))
    return out


def _insert(ctx: OpContext, model, rows: list[dict]) -> None:
    for a in range(0, len(rows), _CHUNK):
        ctx.session.execute(model.__table__.insert(), rows[a:a + _CHUNK])


def seed_history(runner: OperationRunner, *, scale: float = 1.0, patrol: PatrolSettings | None = None,
                 progress: Callable[[str], None] = lambda _: None) -> HistoryReport:
    """Store the history (idempotent: a database that has it is left alone)."""
    if not 0 < scale <= 1:
        raise ValueError(f"scale: must be in (0, 1], got {scale!r}")
    seed_demo(runner)
    with runner.engine.connect() as conn:
        if conn.execute(select(Incident.id).where(Incident.description.like(H.MARKER + "%")).limit(1)).first():
            return HistoryReport(0, 0, 0, 0, 0, 0, already_present=True)
    progress("planning the synthetic history (deterministic)")
    counts = runner.run("seed synthetic history", lambda ctx: _write(ctx, scale, progress), "seed_data")
    zone = ZoneInfo(H.ZONE)
    progress(f"patrol detection over {counts['fixes']:,} stored fixes, day by day (as `patrol rebuild`)")
    detected = 0
    for day in H.month_days(*H.PILOT_MONTH):
        # One local day per rebuild: each reads its day with the rebuild margin either side,
        # as `patrol rebuild --from DAY --to NEXT` would.
        start = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
        detected += rebuild(runner, start, start + timedelta(days=1), patrol or PatrolSettings()).added
    return HistoryReport(counts["incidents"], counts["dispatches"], counts["findings"], counts["work_orders"],
                         counts["fixes"], detected)


def _write(ctx: OpContext, scale: float, progress: Callable[[str], None]) -> dict[str, int]:
    session, now = ctx.session, ctx.now
    grids = {code: (gid, geom) for gid, code, geom in session.execute(select(Grid.id, Grid.code, Grid.geometry))}
    units = {cs: (uid, force, gid) for uid, cs, force, gid in session.execute(
        select(Unit.id, Unit.callsign, Unit.force, Unit.grid_id))}
    grid_code = {gid: code for code, (gid, _) in grids.items()}
    rng = random.Random(H.SEED)
    spots = {code: _spots(geom, rng) for code, (_, geom) in sorted(grids.items())}
    city_other = sorted(cs for cs, (_, force, _) in units.items() if force != "grid_patrol")
    grid_units = {}
    for code in grids:
        patrol = sorted(cs for cs, (_, force, gid) in units.items() if force == "grid_patrol" and grid_code.get(gid) == code)
        other = sorted(cs for cs, (_, force, gid) in units.items() if force != "grid_patrol" and grid_code.get(gid) == code)
        grid_units[code] = {"patrol": patrol, "other": other or city_other}
    planned = H.plan_incidents(spots, grid_units, scale)
    progress(f"storing {len(planned):,} incidents with their timelines, dispatches and outcomes")
    planned.sort(key=lambda p: p.received_at)
    zone = ZoneInfo(H.ZONE)
    per_day: dict[str, int] = defaultdict(int)
    rows = []
    for p in planned:
        day = p.received_at.astimezone(zone).strftime("%Y%m%d")
        per_day[day] += 1
        rows.append({"number": f"JQ{day}-{per_day[day]:04d}", "category": p.category, "level": "general",
                     "source": p.source, "description": f"{H.MARKER} {p.category}", "lon": p.lon, "lat": p.lat,
                     "grid_id": grids[p.grid][0], "state": p.state, "tier": 1, "received_at": p.received_at,
                     "dispatched_at": None, "acknowledged_at": None, "en_route_at": None, "on_scene_at": None,
                     "handling_at": None, "reported_at": None, "closed_at": None, "cancelled_at": None,
                     **p.times, "results": {}, "drill": False, "rescued": p.rescued,
                     "property_recovered_cny": p.property_recovered_cny, "mediated": p.mediated,
                     "accident_on_scene": p.accident_on_scene, "created_at": p.received_at, "version": 1})
    _insert(ctx, Incident, rows)
    ids = dict(session.execute(select(Incident.number, Incident.id).where(
        Incident.description.like(H.MARKER + "%"))).all())
    dispatches, events = [], []
    for p, row in zip(planned, rows):
        iid = ids[row["number"]]
        events.append({"incident_id": iid, "at": p.received_at, "kind": "created", "state_from": None,
                       "state_to": "received", "actor": ACTOR, "workstation": ACTOR,
                       "payload": {"number": row["number"], "category": p.category, "synthetic": True}})
        previous = "received"
        for column, state in _STATE_ORDER:
            if column in p.times:
                events.append({"incident_id": iid, "at": p.times[column], "kind": "state", "state_from": previous,
                               "state_to": state, "actor": ACTOR, "workstation": ACTOR, "payload": {}})
                previous = state
        if "cancelled_at" in p.times:
            events.append({"incident_id": iid, "at": p.times["cancelled_at"], "kind": "state",
                           "state_from": previous, "state_to": p.state, "actor": ACTOR, "workstation": ACTOR,
                           "payload": {}})
        if p.unit:
            t = p.times
            ring = None if p.unit_eta_s is None else next((r for r in (1, 3, 5) if p.unit_eta_s <= r * 60), None)
            dispatches.append({"incident_id": iid, "unit_id": units[p.unit][0], "tier": 1,
                               "mode": "straight", "eta_s": p.unit_eta_s, "recommended_ring": ring,
                               "distance_m": None if p.unit_eta_s is None else round(p.unit_eta_s * 1.4, 1),
                               "dispatched_at": t["dispatched_at"], "acknowledged_at": t.get("acknowledged_at"),
                               "en_route_at": t.get("en_route_at"), "arrived_at": t.get("on_scene_at"),
                               "arrival_source": "unit" if "on_scene_at" in t else None,
                               "released_at": t.get("closed_at") or t.get("cancelled_at"), "dispatched_by": ACTOR,
                               "version": 1})
    _insert(ctx, IncidentEvent, events)
    _insert(ctx, Dispatch, dispatches)
    progress(f"stored {len(rows):,} incidents, {len(dispatches):,} dispatches, {len(events):,} timeline events")

    pilot_days = H.month_days(*H.PILOT_MONTH)
    _insert(ctx, Commendation, [
        {"unit_id": units["联勤2-1"][0], "day": pilot_days[17], "kind": "banner",
         "note": f"{H.MARKER} 群众赠送锦旗：热心救助", "created_at": now},
        {"unit_id": units["联勤3-1"][0], "day": pilot_days[9], "kind": "letter",
         "note": f"{H.MARKER} 感谢信", "created_at": now},
        {"unit_id": units["联勤2-2"][0], "day": H.month_days(2022, 6)[3], "kind": "letter",
         "note": f"{H.MARKER} 感谢信", "created_at": now}])

    session_list = H.sessions(pilot_days)
    fixes = _store_tracks(ctx, session_list, units, progress)
    findings, orders = _store_findings(ctx, session_list, units, grids[H.PILOT_GRID][0])
    progress(f"stored {findings} patrol findings and {orders} work orders")
    ctx.audit("history", "synthetic", None, {"incidents": len(rows), "dispatches": len(dispatches),
                                             "findings": findings, "work_orders": orders, "fixes": fixes,
                                             "note": "合成数据 synthetic history"})
    for kind in ("incidents", "work_orders", "patrol", "commendations"):
        ctx.changed(kind)
    return {"incidents": len(rows), "dispatches": len(dispatches), "findings": findings, "work_orders": orders,
            "fixes": fixes}


def _store_tracks(ctx: OpContext, session_list, units, progress) -> int:
    devices = {d for s in session_list for d in (s.police_device, s.city_device)}
    known = set(ctx.session.scalars(select(Device.device_id).where(Device.device_id.in_(sorted(devices)))))
    missing = devices - known
    if missing:
        raise ValueError(f"the demo roster lacks devices {sorted(missing)}")
    rng = np.random.default_rng(H.SEED)
    table = Position.__table__
    stored, batch = 0, []
    for k, s in enumerate(session_list):
        uid = units[s.callsign][0]
        for device, t, lon, lat in H.session_fixes(s, rng):
            for ts, x, y in zip(t.tolist(), lon.tolist(), lat.tolist()):
                at = datetime.fromtimestamp(ts, UTC)
                batch.append({"device_id": device, "unit_id": uid, "fix_time": at, "received_at": at,
                              "lon": round(x, 7), "lat": round(y, 7), "accuracy_m": 5.0, "speed_mps": None,
                              "heading_deg": None, "altitude_m": None, "battery_pct": None, "stale_at": None,
                              "protocol": "osmand", "attributes": {}})
        if len(batch) >= 20_000 or k == len(session_list) - 1:
            ctx.session.execute(table.insert(), batch)
            stored += len(batch)
            batch = []
            progress(f"patrol tracks: {k + 1}/{len(session_list)} sessions, {stored:,} fixes")
    return stored


def _store_findings(ctx: OpContext, session_list, units, grid_id: int) -> tuple[int, int]:
    settings = WorkOrderSettings()
    zone = ZoneInfo(settings.timezone)
    plan = H.plan_findings(session_list)
    per_day: dict[str, int] = defaultdict(int)
    orders, notes_for = [], []
    for f in plan:
        if not f.handed_over:
            continue
        issued = f.found_at + timedelta(minutes=10)
        deadlines = compute_deadlines(issued, "ordinary", settings)
        warn = warning_starts(deadlines, "ordinary", settings)
        day = issued.astimezone(zone).strftime("%Y%m%d")
        per_day[day] += 1
        closed = None if f.closed_after_h is None else issued + timedelta(hours=f.closed_after_h)
        signed = issued + timedelta(hours=2)
        progress_at = issued + timedelta(hours=min(48.0, (f.closed_after_h or 60.0) / 2))
        orders.append({"number": f"JB{day}-{per_day[day]:04d}", "title": f"{f.category}", "source": "patrol",
                       "incident_id": None, "complexity": "ordinary", "assigning_unit": "城区二网格联勤指挥部",
                       "assigning_leader": None, "issued_at": issued, "department": f.department,
                       "responsible": None, "contact": None, "lon": f.lon, "lat": f.lat, "grid_id": grid_id,
                       "description": f"{H.MARKER} 巡查发现 {f.category}", "requirements": None,
                       "attachments": [], "deploy_due": deadlines.deploy, "feedback_due": deadlines.progress,
                       "resolve_due": deadlines.resolve, "progress_warn_at": warn["progress"],
                       "resolve_warn_at": warn["resolve"], "first_progress_at": progress_at,
                       "extension_requested_to": None, "status": "closed" if closed else "in_progress",
                       "signed_at": signed, "extension_reason": None, "extended_to": None, "closed_at": closed,
                       "result": "已办结" if closed else None, "reviewer_opinion": None,
                       "rating": "good" if closed else None, "cancelled_at": None, "created_at": issued,
                       "updated_at": closed or progress_at, "version": 1})
        notes_for.append((issued, signed, progress_at, closed))
    _insert(ctx, WorkOrder, orders)
    order_ids = dict(ctx.session.execute(select(WorkOrder.number, WorkOrder.id).where(
        WorkOrder.description.like(H.MARKER + "%"))).all())
    notes = []
    for order, (issued, signed, progress_at, closed) in zip(orders, notes_for):
        oid = order_ids[order["number"]]
        for kind, at in (("created", issued), ("signed", signed), ("progress", progress_at), ("closed", closed)):
            if at is not None:
                notes.append({"work_order_id": oid, "at": at, "author": ACTOR, "kind": kind, "text": ""})
    _insert(ctx, WorkOrderNote, notes)
    order_iter = iter(orders)
    findings = []
    for f in plan:
        wo_id = order_ids[next(order_iter)["number"]] if f.handed_over else None
        findings.append({"found_at": f.found_at, "found_by": f.found_by, "lon": f.lon, "lat": f.lat,
                         "grid_id": grid_id, "category": f.category, "description": f"{H.MARKER} {f.category}",
                         "photos": [], "outcome": "handed_over" if f.handed_over else "on_spot", "incident_id": None,
                         "work_order_id": wo_id, "created_at": f.found_at, "version": 1})
    _insert(ctx, PatrolFinding, findings)
    return len(findings), len(orders)

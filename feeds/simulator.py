"""The simulator as a live feed: the city and the units come from the database,
``core.simulation`` moves them in real time, and their fixes go either straight
into the database (``store_fixes``, one commit per tick) or to an OsmAnd HTTP
server, exactly as field devices send them.

``SimulatorRunner`` is what both ``gridcommand simulate`` and the GUI's demo mode
run; it has no Qt and runs in a background thread with ``start()``/``stop()``.
On every tick it also follows the dispatch orders in the database (units answer
them: feeds.response) and, when asked, raises demo incidents (feeds.demo_incidents).
"""
from __future__ import annotations

import http.client
import logging
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import urlencode, urlsplit

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core import layers as L
from core.clock import Clock, SystemClock
from core.fixes import Fix
from core.layers import LayerFeature
from core.road_network import RoadNetwork
from core.settings import DemoSettings, DispatchSettings
from core.simulation import Emission, MessConfig, SimConfig, Simulation, SimUnit
from core.travel import TravelModel
from db.engine import DatabaseUnavailable, session_factory
from db.models import Device, Grid, Station, Unit
from db.operations import Actor, OpContext, OperationRunner
from db.places_repo import load_layer
from db.positions_repo import DeviceCache, store_fixes
from feeds.demo_incidents import DEMO_ACTOR, DemoIncidentSource
from feeds.osmand import KNOTS_TO_MPS
from feeds.response import DispatchFollower

__all__ = [
    "City", "Delivery", "Totals", "NoCityError", "DatabaseSink", "OsmAndHttpSink", "SimulatorRunner",
    "load_city", "load_sim_units", "ensure_simulated_units", "SIM_CALLSIGN", "SIM_DEVICE",
]

log = logging.getLogger(__name__)

SIM_CALLSIGN = "模拟-{:04d}"
SIM_DEVICE = "SIM-{:04d}"
# Simulated units: mostly patrols on foot or e-bike, some patrol cars.
_SIM_MODES = ("foot", "ebike", "ebike", "car")
_SIM_AGENCIES = ("joint", "police", "city")


class NoCityError(RuntimeError):
    """The database has no streets to move units on."""


# ---------------------------------------------------------------- the city and the units

@dataclass
class City:
    network: RoadNetwork
    grids: list[LayerFeature]
    lines: list[LayerFeature]
    points: list[LayerFeature]


def load_city(session: Session, at: datetime | None = None) -> City:
    streets = load_layer(session, L.STREETS)
    if not streets:
        raise NoCityError("the database has no streets to move units on; "
                          "seed the demo city first: gridcommand db seed-demo")
    return City(RoadNetwork.from_features(streets), load_layer(session, L.GRIDS),
                load_layer(session, L.LINES, at), load_layer(session, L.POINTS, at))


def _point_of(geometry: dict) -> tuple[float, float] | None:
    if geometry.get("type") == "Point":
        lon, lat = geometry["coordinates"][:2]
        return float(lon), float(lat)
    return None


def load_sim_units(session: Session) -> list[SimUnit]:
    """Every unit with an active device: the roster first, then simulated units, by id."""
    grid_codes = dict(session.execute(select(Grid.id, Grid.code)).all())
    homes = {sid: _point_of(geom) for sid, geom in session.execute(select(Station.id, Station.geometry))}
    devices: dict[int, list[str]] = defaultdict(list)
    for unit_id, device_id in session.execute(
            select(Device.unit_id, Device.device_id).where(Device.active.is_(True)).order_by(Device.id)):
        devices[unit_id].append(device_id)
    return [
        SimUnit(key=u.callsign, device_ids=tuple(devices[u.id]), travel_mode=u.travel_mode, force=u.force,
                grid_code=grid_codes.get(u.grid_id), home=homes.get(u.home_station_id))
        for u in session.scalars(select(Unit).order_by(Unit.simulated, Unit.id)) if devices.get(u.id)
    ]


def ensure_simulated_units(runner: OperationRunner, total: int) -> int:
    """Add simulated units (one device each) until ``total`` units have devices; returns how many were added.

    Idempotent: a second run with the same ``total`` adds nothing. The new units
    are spread over the grids, based at each grid's joint service station."""

    def add(ctx: OpContext) -> int:
        session = ctx.session
        with_devices = set(session.scalars(select(Device.unit_id).where(Device.active.is_(True))))
        missing = total - len(with_devices)
        if missing <= 0:
            return 0
        callsigns = set(session.scalars(select(Unit.callsign)))
        device_ids = set(session.scalars(select(Device.device_id)))
        grids = session.execute(select(Grid.id, Grid.code).order_by(Grid.code)).all()
        bases = {}
        for station_id, grid_id in session.execute(
                select(Station.id, Station.grid_id).where(Station.kind == "joint_service_station")
                .order_by(Station.code)):
            bases.setdefault(grid_id, station_id)
        number, added = 0, 0
        while added < missing:
            number += 1
            callsign, device_id = SIM_CALLSIGN.format(number), SIM_DEVICE.format(number)
            if callsign in callsigns or device_id in device_ids:
                continue  # taken by an earlier run (or by hand): the next number
            grid_id = grids[(number - 1) % len(grids)][0] if grids else None
            values = {"name": f"模拟巡组 {number:04d}", "agency": _SIM_AGENCIES[number % len(_SIM_AGENCIES)],
                      "force": "grid_patrol", "tier": 1, "travel_mode": _SIM_MODES[number % len(_SIM_MODES)],
                      "grid_id": grid_id, "home_station_id": bases.get(grid_id)}
            unit = Unit(callsign=callsign, status="available", simulated=True, members=[], kit=[],
                        created_at=ctx.now, **values)
            session.add(unit)
            session.flush()
            session.add(Device(device_id=device_id, unit_id=unit.id, kind="phone", created_at=ctx.now))
            ctx.audit("units", callsign, None, {"callsign": callsign, "simulated": True, "device": device_id, **values})
            added += 1
        ctx.changed("units")
        return added

    return runner.run("add simulated units", add, "simulate")


# ---------------------------------------------------------------- where fixes go

@dataclass
class Delivery:
    accepted: int = 0
    rejected: int = 0
    errors: int = 0


class Sink(Protocol):
    def deliver(self, fixes: Sequence[Fix], now: datetime) -> Delivery: ...

    def close(self) -> None: ...


class DatabaseSink:
    """Writes each tick's fixes with ``store_fixes`` in one transaction."""

    def __init__(self, engine: Engine):
        self._sessions = session_factory(engine)
        self._devices = DeviceCache()

    def deliver(self, fixes: Sequence[Fix], now: datetime) -> Delivery:
        if not fixes:
            return Delivery()
        try:
            with self._sessions() as session, session.begin():
                results = store_fixes(session, fixes, now, devices=self._devices)
        except SQLAlchemyError as exc:
            self._devices.clear()
            log.warning("simulator: %d fixes not stored: %s", len(fixes), exc)
            return Delivery(errors=len(fixes))
        rejected = [r for r in results if r is not None]
        if rejected:
            log.info("simulator: %d fixes rejected, e.g. %s", len(rejected), rejected[0])
        return Delivery(accepted=len(fixes) - len(rejected), rejected=len(rejected))

    def close(self) -> None:
        pass


def osmand_query(fix: Fix) -> str:
    """The query string an OsmAnd / Traccar client sends for ``fix`` (speed in knots)."""
    params = {"id": fix.device_id, "lat": f"{fix.lat:.7f}", "lon": f"{fix.lon:.7f}"}
    if fix.fix_time is not None:
        # Milliseconds keep sub-second fix times apart (the server reads >= 2^31 as ms).
        params["timestamp"] = str(round(fix.fix_time.timestamp() * 1000))
    optional = {"speed": None if fix.speed_mps is None else round(fix.speed_mps / KNOTS_TO_MPS, 2),
                "bearing": fix.heading_deg, "accuracy": fix.accuracy_m, "batt": fix.battery_pct}
    params.update({k: str(v) for k, v in optional.items() if v is not None})
    return urlencode(params)


class OsmAndHttpSink:
    """Sends fixes one request each over a few keep-alive connections, like many devices.

    A device's fixes always use the same connection, so they arrive in the order
    the device sent them. 200 counts as accepted, 4xx as rejected, anything else
    (5xx, refused, reset, timeout) as an error."""

    def __init__(self, target: str, connections: int = 4, timeout_s: float = 10.0):
        parts = urlsplit(target)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"--target must look like http://HOST:PORT, not {target!r}")
        self.host, self.port = parts.hostname, parts.port or 80
        self.path = parts.path or "/"
        self.timeout_s = timeout_s
        self.connections = max(1, connections)
        self._pool = ThreadPoolExecutor(self.connections, thread_name_prefix="osmand-sink")
        self._open: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_s)
            self._local.conn = conn
            with self._lock:
                self._open.append(conn)
        return conn

    def _get(self, query: str) -> int:
        # A keep-alive connection the server closed fails on first use: retry once on a new one
        # (a resent report is deduplicated by the server).
        for attempt in (0, 1):
            conn = self._connection()
            try:
                conn.request("GET", f"{self.path}?{query}")
                response = conn.getresponse()
                response.read()
                return response.status
            except (http.client.HTTPException, OSError):
                conn.close()
                self._local.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _send_all(self, fixes: Sequence[Fix]) -> Delivery:
        result = Delivery()
        for fix in fixes:
            try:
                status = self._get(osmand_query(fix))
            except (http.client.HTTPException, OSError) as exc:
                log.debug("simulator: %s: %s", fix.device_id, exc)
                result.errors += 1
                continue
            if status == 200:
                result.accepted += 1
            elif 400 <= status < 500:
                result.rejected += 1
            else:
                result.errors += 1
        return result

    def deliver(self, fixes: Sequence[Fix], now: datetime) -> Delivery:
        lanes: list[list[Fix]] = [[] for _ in range(self.connections)]
        for fix in fixes:
            lanes[zlib.crc32(fix.device_id.encode()) % self.connections].append(fix)
        total = Delivery()
        for part in self._pool.map(self._send_all, [lane for lane in lanes if lane]):
            total.accepted += part.accepted
            total.rejected += part.rejected
            total.errors += part.errors
        return total

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        with self._lock:
            for conn in self._open:
                conn.close()
            self._open.clear()


# ---------------------------------------------------------------- the runner

@dataclass
class Totals:
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    errors: int = 0
    duplicates: int = 0  # of the sent, re-sent copies
    late: int = 0  # of the sent, buffered and sent after newer fixes
    silenced: int = 0  # reports silent devices did not send
    elapsed_s: float = 0.0

    def summary(self) -> str:
        rate = self.sent / self.elapsed_s if self.elapsed_s > 0 else 0.0
        return (f"sent {self.sent}, accepted {self.accepted}, rejected {self.rejected}, errors {self.errors}, "
                f"duplicates {self.duplicates}, late {self.late}, silenced {self.silenced} "
                f"in {self.elapsed_s:.1f} s ({rate:.1f} fixes/s)")


class SimulatorRunner:
    """Moves ``units`` units and delivers their fixes at ``rate`` fixes per second in total.

    ``units`` None means every unit on the roster that has a device; more than
    that adds simulated units (audited, reused by later runs). Each unit reports
    every ``units / rate`` seconds and its devices take turns. Without ``sink``
    fixes are written to ``engine`` through ``store_fixes``.

    Units answer dispatch orders (``respond``; turn-out and speeds from
    ``dispatch``, their terminals act as ``demo`` says); ``incidents_per_hour``
    raises demo incidents (0: none).

    Drive it with ``tick()`` (tests, with a ``FixedClock``), ``run()`` (blocking,
    paced in real time) or ``start()``/``stop()`` (a background thread)."""

    def __init__(self, engine: Engine, units: int | None = None, rate: float = 10.0, seed: int = 0, *,
                 mess: MessConfig | None = None, clock: Clock | None = None, sink: Sink | None = None,
                 tick_s: float = 0.5, runner: OperationRunner | None = None, respond: bool = True,
                 dispatch: DispatchSettings | None = None, demo: DemoSettings | None = None,
                 incidents_per_hour: float = 0.0):
        if rate <= 0:
            raise ValueError("rate must be positive (fixes per second across all units)")
        if units is not None and units < 1:
            raise ValueError("units must be at least 1")
        self.engine, self.units, self.rate, self.seed = engine, units, rate, seed
        self.mess = mess or MessConfig()
        self.clock = clock or SystemClock()
        self.sink = sink or DatabaseSink(engine)
        self.tick_s = tick_s
        self.runner = runner or OperationRunner(engine, clock=self.clock)
        self.dispatch = dispatch or DispatchSettings()
        self.follower = DispatchFollower(engine, demo, self.clock) if respond else None
        self.incidents = None
        if incidents_per_hour > 0:
            demo_runner = OperationRunner(engine, Actor(DEMO_ACTOR, "simulator"), self.clock)
            self.incidents = DemoIncidentSource(engine, incidents_per_hour, seed, runner=demo_runner,
                                                dispatch=self.dispatch)
        self.totals = Totals()
        self.created = 0  # simulated units added by ``prepare``
        self.sim: Simulation | None = None
        self.error: BaseException | None = None  # what ended a background run early
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._finished = False

    def prepare(self) -> Simulation:
        """Add simulated units if needed, load the city and the units; idempotent."""
        if self.sim is not None:
            return self.sim
        sessions = session_factory(self.engine)
        with sessions() as session:
            city = load_city(session, self.clock.now())  # no streets: stop before adding units
        if self.units is not None:
            self.created = ensure_simulated_units(self.runner, self.units)
        with sessions() as session:
            units = load_sim_units(session)
        if self.units is not None:
            units = units[:self.units]
        if not units:
            raise NoCityError("no unit has a device to simulate")
        speeds = dict(TravelModel.from_settings(self.dispatch).speeds_mps)
        config = SimConfig(unit_interval_s=len(units) / self.rate, mess=self.mess, turnout_s=self.dispatch.turnout_s,
                           response_speeds=speeds)
        self.sim = Simulation(units, city.network, city.lines, city.points, self.seed, config, grids=city.grids)
        return self.sim

    def _deliver(self, emissions: list[Emission], now: datetime) -> Delivery:
        delivery = self.sink.deliver([e.fix for e in emissions], now)
        t = self.totals
        t.sent += len(emissions)
        t.duplicates += sum(e.kind == "duplicate" for e in emissions)
        t.late += sum(e.kind == "late" for e in emissions)
        t.accepted += delivery.accepted
        t.rejected += delivery.rejected
        t.errors += delivery.errors
        t.silenced = self.sim.stats.silenced if self.sim else 0
        return delivery

    def tick(self, now: datetime | None = None) -> Delivery:
        """Advance the simulation to ``now`` (default: the clock) and deliver what was sent."""
        sim = self.prepare()
        now = now or self.clock.now()
        self._follow(sim, now)
        return self._deliver(sim.advance_detailed(now), now)

    def _follow(self, sim: Simulation, now: datetime) -> None:
        """Orders and demo incidents; a database hiccup must not stop the units moving."""
        try:
            if self.incidents is not None:
                self.incidents.step(now)
            if self.follower is not None:
                self.follower.step(sim, now)
        except (SQLAlchemyError, DatabaseUnavailable, ValueError) as exc:
            log.warning("simulator: dispatch orders or demo incidents not handled: %s", exc)

    def finish(self) -> Totals:
        """Deliver the fixes devices still hold and close the sink; idempotent."""
        if not self._finished:
            self._finished = True
            try:
                if self.sim is not None:
                    self._deliver(self.sim.drain(), self.clock.now())
            finally:
                self.sink.close()
        return self.totals

    def run(self, duration_s: float | None = None, stop: threading.Event | None = None) -> Totals:
        """Tick every ``tick_s`` seconds of wall time until ``duration_s`` or ``stop``; then finish."""
        stop = stop or self._stop
        self.prepare()
        began = time.monotonic()
        deadline = None if duration_s is None else began + duration_s
        next_tick = began
        try:
            while not stop.is_set():
                self.tick()
                now = time.monotonic()
                if deadline is not None and now >= deadline:
                    break
                # Behind schedule (a slow commit): carry on from now rather than burst to catch up.
                next_tick = max(next_tick + self.tick_s, now)
                wake = next_tick if deadline is None else min(next_tick, deadline)
                stop.wait(max(0.0, wake - now))
            else:  # stopped by ``stop`` rather than the deadline: deliver what was reported up to now
                self.tick()
        finally:
            self.totals.elapsed_s = time.monotonic() - began
            self.finish()
        return self.totals

    # -- background thread (the GUI's demo mode)

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the simulator runs already")
        self.prepare()  # fail here, in the caller's thread, if the city is missing
        self._thread = threading.Thread(target=self._run_in_thread, name="simulator", daemon=True)
        self._thread.start()

    def _run_in_thread(self) -> None:
        try:
            self.run(stop=self._stop)
        except BaseException as exc:  # keep it for stop(); a dead thread must not pass silently
            self.error = exc
            log.exception("simulator stopped")

    def request_stop(self) -> None:
        """Ask ``run`` or the thread to stop after the current tick (safe from a signal handler)."""
        self._stop.set()

    def stop(self, timeout_s: float = 10.0) -> Totals:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        return self.totals

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

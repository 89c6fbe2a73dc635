"""`gridcommand bench response`: how long a response takes in the demo, order to arrival.

The demo exactly as `gui --demo` runs it, but on an accelerated clock: the demo
city and roster seeded into a scratch SQLite file, the simulator (20 fixes/s, the
usual GPS noise and device mess, the default [dispatch] and [demo] settings) and
the real arrival detection, all driven by one FixedClock in 1-second steps.
Incidents come from the demo incident generator (the city's key targets and
streets); each in turn is dispatched to its top-ranked unit through the same path
as `gridcommand incidents dispatch`, then the clock runs until the arrival is
detected, and the incident is cancelled (which frees the unit) before the next.

Figures are simulated seconds from the dispatch order (what the incident's
timestamps record): sign-off (签收, the terminal's automatic sign-off), turn-out
(出警), drive (出警 -> 到场) and arrival (派警 -> 到场, detected within the
arrival radius plus the fix's accuracy). The baseline, measured in the same run, is
the ranking's own prediction for the dispatched unit (road ETA incl. turn-out):
``arrival_vs_eta`` is the median ratio. ``wall_s`` is how long the run took."""
from __future__ import annotations

import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.common import median, percentile

START = datetime(2025, 5, 1, 8, 0, tzinfo=timezone.utc)
SEED = 20250501
RATE = 20.0  # fixes per second: the demo's default
MAX_WAIT_S = 900  # an incident not reached by then counts as missed


def _seconds(values: list[float]) -> dict:
    if not values:
        return {"median": None, "p90": None}
    return {"median": round(median(values), 1), "p90": round(percentile(values, 90), 1)}


def measure(incidents: int, directory: Path) -> dict:
    from core.clock import FixedClock
    from core.dispatch import rank_units
    from core.demo_incidents import IncidentGenerator
    from core.incidents import response_figures
    from core.settings import Settings
    from core.travel import TravelModel
    from db.code_tables_repo import load_code_tables
    from core.code_tables import needs_by_category
    from db.dispatch_repo import load_network
    from db.engine import make_engine, session_factory
    from db.incident_ops import create_incident, transition
    from db.incidents_repo import dispatches_for, get_incident
    from db.migrate import upgrade
    from db.operations import Actor, OperationRunner
    from db.places_repo import load_layer
    from db.seed import seed_demo
    from db.units_repo import load_units
    from feeds.arrival import ArrivalDetector
    from feeds.simulator import SimulatorRunner
    from gridcommand.commands.incidents import dispatch_callsigns

    settings = Settings()
    clock = FixedClock(START)
    engine = make_engine(f"sqlite:///{directory / 'demo.sqlite'}")
    upgrade(engine)
    runner = OperationRunner(engine, Actor("bench", "bench"), clock)
    seed_demo(runner)
    sessions = session_factory(engine)
    sim = SimulatorRunner(engine, rate=RATE, seed=SEED, clock=clock, runner=runner, dispatch=settings.dispatch,
                          demo=settings.demo)
    detector = ArrivalDetector(engine, settings.dispatch, clock)
    model = TravelModel.from_settings(settings.dispatch)
    with sessions() as s:
        categories = needs_by_category(load_code_tables(s))
        generator = IncidentGenerator(load_layer(s, "targets"), load_layer(s, "streets"), 60.0, SEED, START,
                                      set(categories) - {"invalid"})
    draws = iter(generator.due(START + timedelta(days=7)))  # places and categories; times are ours

    def step(seconds: float, until=None) -> bool:
        for _ in range(int(seconds)):
            clock.advance(1.0)
            sim.tick()
            detector.poll_once()
            if until is not None and until():
                return True
        return False

    began = time.perf_counter()
    step(60)  # every unit has reported
    rows, missed = [], 0
    while len(rows) + missed < incidents:
        draw = next(draws)
        incident, _ = create_incident(runner, lon=draw.lon, lat=draw.lat, category=draw.category,
                                      address=draw.address, settings=settings.dispatch)
        with sessions() as s:
            top = rank_units(load_units(s), draw.lon, draw.lat, incident_grid=incident.grid_code,
                             needs=categories.get(draw.category, "any"), now=clock.now(), model=model,
                             stale_after_s=settings.live.stale_after_s, mode="road", network=load_network(s),
                             limit=1)
            if not top:
                transition(runner, incident.id, "cancelled", expected_version=None)
                continue
            dispatch_callsigns(runner, s, incident.number, [top[0].callsign], now=clock.now(), settings=settings)

        def arrived() -> bool:
            with sessions() as s:
                return get_incident(s, incident.id).on_scene_at is not None

        if step(MAX_WAIT_S, until=arrived):
            with sessions() as s:
                inc, ds = get_incident(s, incident.id), dispatches_for(s, incident.id)
            figures = response_figures(inc, ds)["incident"]
            rows.append({**figures, "eta_s": top[0].eta_s, "travel_mode": top[0].travel_mode})
        else:
            missed += 1
        transition(runner, incident.id, "cancelled", expected_version=None)
        step(30)
    wall = time.perf_counter() - began
    engine.dispose()
    drive = [r["arrival_s"] - r["turn_out_s"] for r in rows if r["turn_out_s"] is not None]
    ratios = [r["arrival_s"] / r["eta_s"] for r in rows if r["eta_s"]]
    n = len(rows)
    return {
        "incidents": n, "missed": missed,
        "sign_off_s": _seconds([r["sign_off_s"] for r in rows if r["sign_off_s"] is not None]),
        "turn_out_s": _seconds([r["turn_out_s"] for r in rows if r["turn_out_s"] is not None]),
        "drive_s": _seconds(drive),
        "arrival_s": _seconds([r["arrival_s"] for r in rows]),
        "predicted_eta_s": _seconds([r["eta_s"] for r in rows]),
        "arrival_vs_eta": round(median(ratios), 2) if ratios else None,
        "within_min": {str(m): round(sum(r["arrival_s"] <= m * 60 for r in rows) / n, 2) if n else None
                       for m in (1, 3, 5)},
        "modes": {m: sum(r["travel_mode"] == m for r in rows) for m in ("foot", "ebike", "car")},
        "wall_s": round(wall, 1),
    }


def run(repeat: int = 5, incidents: int | None = None) -> dict:
    """``repeat`` x 6 incidents (30 by default)."""
    with tempfile.TemporaryDirectory(prefix="gridcommand-bench-response-") as directory:
        result = measure(incidents or 6 * repeat, Path(directory))
    result["definition"] = ("simulated seconds from the dispatch order (派警) to the detected arrival (到场) of the "
                            "top-ranked unit, in the demo city at 20 fixes/s with default settings")
    return result

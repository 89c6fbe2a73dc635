"""The plan of the synthetic history (`gridcommand db seed-history`): which incidents,
outcomes, findings, work orders and patrol tracks happened, as plain records. Pure and
deterministic (a fixed seed): db/seed_history.py only stores what this plans.

合成数据 — synthetic: made up for the demo city, not real events. It is shaped so that
the figures computed from it (core.stats) reproduce the pilot's table for 城区二网格 in
August 2022 (docs/domain.md, the pilot report): 144 incidents against 220 a year earlier
(−34.5 % 同比) and 184 in July (−21.7 % 环比); 23 nearest-unit dispatches; 6 accidents
handled on scene; 12 people rescued; ¥2,000 recovered; 11 disputes mediated; one
commendation; more than 200 problems found; the patrol tracks of its four joint patrol
groups give more than 600 joint patrols once detection has run over them."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np

SEED = 20220831
ZONE = "Asia/Shanghai"
FIRST_DAY = date(2021, 7, 1)
LAST_DAY = date(2022, 8, 31)
PILOT_GRID = "G02"
PILOT_MONTH = (2022, 8)
MARKER = "【合成数据 synthetic】"
UTC = timezone.utc

# The pilot grid's counted incidents per month (invalid calls come on top): August 2022
# against August 2021 and July 2022 gives the pilot's 同比 and 环比.
PILOT_MONTHLY = {(2021, 7): 212, (2021, 8): 220, (2021, 9): 214, (2021, 10): 206, (2021, 11): 198,
                 (2021, 12): 195, (2022, 1): 201, (2022, 2): 190, (2022, 3): 196, (2022, 4): 193,
                 (2022, 5): 188, (2022, 6): 186, (2022, 7): 184, (2022, 8): 144}
PILOT_TARGETS = {"incidents": 144, "dispatches": 23, "accidents_on_scene": 6, "rescued": 12,
                 "property_recovered_cny": 2000.0, "mediations": 11, "commendations": 1}
# Background categories and their weights (110 and 数字城管 vocabularies).
CATEGORIES = (("public_order", 16), ("dispute", 18), ("traffic_accident", 14), ("assistance", 14),
              ("criminal", 6), ("complaint", 10), ("street_order", 8), ("city_appearance", 6), ("fire", 1),
              ("other", 7))
INVALID_SHARE = 0.04

# The pilot grid's four joint patrol groups: (callsign, police device, city device, route).
STATION = (112.079522, 32.680345)
ROUTES = {
    "联勤2-1": [(112.079948, 32.6803, 0), (112.079997, 32.678458, 0), (112.080477, 32.678819, 240),
              (112.080035, 32.677, 0), (112.080036, 32.67667, 0), (112.080041, 32.674297, 0),
              (112.080415, 32.674072, 240), (112.083, 32.6741, 0), (112.085081, 32.674174, 60)],
    "联勤2-2": [(112.079949, 32.680345, 0), (112.0825, 32.680237, 0), (112.082676, 32.680462, 300),
              (112.085051, 32.68024, 0), (112.085054, 32.678503, 0), (112.082654, 32.678455, 0),
              (112.082, 32.678442, 0), (112.082, 32.6805, 0), (112.080408, 32.681735, 240)],
    "联勤2-3": [(112.0774, 32.6803, 0), (112.074074, 32.6803, 0), (112.074484, 32.681726, 240),
              (112.074004, 32.682041, 0), (112.074074, 32.6803, 0), (112.074057, 32.678507, 0),
              (112.074484, 32.678822, 240), (112.0774, 32.6786, 0)],
    "联勤2-4": [(112.079981, 32.68205, 0), (112.082, 32.682062, 0), (112.08305, 32.682041, 0),
              (112.084516, 32.682362, 240), (112.084996, 32.682001, 0), (112.0846, 32.6851, 0),
              (112.084622, 32.685142, 240)],
}
DEVICES = {"联勤2-1": ("BC-0201", "BC-0202"), "联勤2-2": ("BC-0203", "BC-0204"),
           "联勤2-3": ("BC-0205", "BC-0206"), "联勤2-4": ("BC-0207", "BC-0208")}
SESSION_STARTS = ((7, 0), (9, 30), (14, 0), (16, 30), (19, 30))  # local clock; group k leaves k × 12 min later
WALK_MPS = 1.2
FIX_INTERVAL_S = 15.0
FINDINGS = 215
HANDED_OVER = 46


@dataclass
class PlannedIncident:
    grid: str
    received_at: datetime
    category: str
    lon: float
    lat: float
    state: str  # closed | invalid | cancelled
    source: str = "110"
    times: dict[str, datetime] = field(default_factory=dict)  # incident column -> time
    unit: str | None = None  # callsign sent
    unit_eta_s: float | None = None  # the ranking's estimate: None when sent outside the ranking
    rescued: int | None = None
    property_recovered_cny: float | None = None
    mediated: bool | None = None
    accident_on_scene: bool | None = None


@dataclass
class PlannedFinding:
    found_at: datetime
    found_by: str
    lon: float
    lat: float
    category: str
    handed_over: bool
    department: str
    closed_after_h: float | None  # its work order: closed this long after issue, None still open


@dataclass
class Session_:
    callsign: str
    police_device: str
    city_device: str
    start: datetime


def months() -> list[tuple[int, int]]:
    out, (y, m) = [], (FIRST_DAY.year, FIRST_DAY.month)
    while (y, m) <= (LAST_DAY.year, LAST_DAY.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def month_days(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return [first + timedelta(days=i) for i in range((nxt - first).days)]


def _local(day: date, seconds: float) -> datetime:
    return (datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(ZONE)) + timedelta(seconds=seconds)).astimezone(UTC)


def _time_of_day(rng: random.Random) -> float:
    """Seconds after local midnight: calls cluster in the day and the evening."""
    hour = rng.choices(range(24), weights=[2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 8, 7, 7, 8, 8, 9, 10, 10, 9, 7, 5, 3])[0]
    return hour * 3600 + rng.uniform(0, 3600)


def _lifecycle(rng: random.Random, received: datetime, state: str) -> dict[str, datetime]:
    """Every state time of the main line (or the early end), as a 110 incident's timeline."""
    t = {"received_at": received}
    if state == "invalid":
        t["cancelled_at"] = received + timedelta(seconds=rng.uniform(30, 120))
        return t
    at = received + timedelta(seconds=rng.uniform(20, 90))
    t["dispatched_at"] = at
    if state == "cancelled":
        t["cancelled_at"] = at + timedelta(seconds=rng.uniform(60, 300))
        return t
    t["acknowledged_at"] = at + timedelta(seconds=rng.uniform(5, 45))
    t["en_route_at"] = t["acknowledged_at"] + timedelta(seconds=rng.uniform(10, 60))
    arrival = min(max(rng.lognormvariate(math.log(160), 0.45), 40.0), 900.0)
    t["on_scene_at"] = at + timedelta(seconds=arrival)
    t["handling_at"] = t["on_scene_at"] + timedelta(seconds=rng.uniform(10, 120))
    t["reported_at"] = t["handling_at"] + timedelta(minutes=rng.uniform(10, 90))
    t["closed_at"] = t["reported_at"] + timedelta(hours=rng.uniform(1, 20))
    return t


def plan_incidents(grids: dict[str, list[tuple[float, float]]], grid_units: dict[str, dict[str, list[str]]],
                   scale: float = 1.0) -> list[PlannedIncident]:
    """Every grid's incidents, month by month. ``grids``: code -> candidate locations in
    it; ``grid_units``: code -> {"patrol": [callsigns], "other": [callsigns]}. ``scale``
    shrinks the *other* grids' volume (tests); the pilot grid is always whole."""
    rng = random.Random(SEED)
    out: list[PlannedIncident] = []
    for code in sorted(grids):
        base = 60 + (sum(map(ord, code)) % 5) * 15
        for year, month in months():
            if code == PILOT_GRID:
                counted = PILOT_MONTHLY[(year, month)]
            else:
                counted = max(1, round(base * scale * (1.0 + 0.15 * math.sin((month - 1) / 12 * 2 * math.pi))))
            pilot = code == PILOT_GRID and (year, month) == PILOT_MONTH
            out.extend(_month(rng, code, year, month, counted, grids[code], grid_units[code], pilot))
    return out


def _month(rng: random.Random, grid: str, year: int, month: int, counted: int, spots, units, pilot: bool
           ) -> list[PlannedIncident]:
    days = month_days(year, month)
    invalid = round(counted * INVALID_SHARE)
    cats = [c for c, _ in CATEGORIES]
    weights = [w for _, w in CATEGORIES]
    if pilot:  # the categories the table's outcomes need, then the rest by weight
        categories = (["traffic_accident"] * 8 + ["dispute"] * 14 + ["assistance"] * 11
                      + rng.choices(cats, weights, k=counted - 33))
    else:
        categories = rng.choices(cats, weights, k=counted)
    rng.shuffle(categories)
    states = ["closed"] * counted
    for i in rng.sample(range(counted), k=max(0, round(counted * 0.02))):
        states[i] = "cancelled"
    if pilot:
        states = ["closed"] * counted
    planned = []
    for category, state in [*zip(categories, states), *(("invalid", "invalid") for _ in range(invalid))]:
        received = _local(rng.choice(days), _time_of_day(rng))
        lon, lat = rng.choice(spots)
        inc = PlannedIncident(grid, received, category, lon + rng.uniform(-2e-4, 2e-4), lat + rng.uniform(-2e-4, 2e-4),
                              state, source="110" if rng.random() < 0.85 else rng.choice(("walk_in", "video")))
        inc.times = _lifecycle(rng, received, state)
        if "dispatched_at" in inc.times:
            nearest = units["patrol"] and rng.random() < 0.55
            inc.unit = rng.choice(units["patrol"] if nearest else units["other"])
            inc.unit_eta_s = round(rng.uniform(60, 400), 1) if rng.random() < 0.9 else None
        if state == "closed":
            _outcome(rng, inc)
        planned.append(inc)
    if pilot:
        _pilot_outcomes(rng, planned, units)
    return planned


def _outcome(rng: random.Random, inc: PlannedIncident) -> None:
    inc.rescued = rng.choice((1, 1, 2)) if inc.category == "assistance" and rng.random() < 0.5 else 0
    inc.property_recovered_cny = (float(rng.choice((200, 300, 500, 800, 1000)))
                                  if inc.category in ("assistance", "criminal") and rng.random() < 0.15 else 0.0)
    inc.mediated = inc.category == "dispute" and rng.random() < 0.7
    inc.accident_on_scene = inc.category == "traffic_accident" and rng.random() < 0.6


def _pilot_outcomes(rng: random.Random, planned: list[PlannedIncident], units) -> None:
    """August 2022 in the pilot grid: exactly the table's outcomes and dispatches."""
    counted = [p for p in planned if p.state == "closed"]
    for p in counted:
        p.rescued, p.property_recovered_cny, p.mediated, p.accident_on_scene = 0, 0.0, False, False
        p.source = "110"
        p.unit = rng.choice(units["other"])  # a station or SWAT unit: not the grid's own group
    by_cat = {c: [p for p in counted if p.category == c] for c in ("traffic_accident", "dispute", "assistance")}
    for p in by_cat["traffic_accident"][:6]:
        p.accident_on_scene = True
    for p in by_cat["dispute"][:11]:
        p.mediated = True
    for p, n in zip(by_cat["assistance"], (2, 1, 1, 2, 1, 1, 2, 1, 1)):  # 12 people
        p.rescued = n
    for p, cny in zip(by_cat["assistance"][-3:], (800.0, 700.0, 500.0)):  # ¥2,000
        p.property_recovered_cny = cny
    for p in rng.sample(counted, k=23):
        p.unit, p.unit_eta_s = rng.choice(units["patrol"]), round(rng.uniform(60, 300), 1)
    # Some of the others are 巡逻发现 or 视频巡查 incidents: not a 110 dispatch.
    for p in rng.sample([p for p in counted if p.unit not in units["patrol"]], k=10):
        p.source = rng.choice(("patrol", "video"))


# --------------------------------------------------------------------------- patrol

SKIPPED_SESSIONS = 12  # patrols that did not go out (a call, the weather): not every window is met


def sessions(days: list[date]) -> list[Session_]:
    """Every patrol session of ``days``: 5 a day per group, less a few that did not happen."""
    rng = random.Random(SEED + 2)
    slots = [(d, i, k) for d in range(len(days)) for i in range(len(SESSION_STARTS)) for k in range(len(ROUTES))]
    skipped = set(rng.sample(slots, k=min(SKIPPED_SESSIONS, len(slots) // 10)))
    out = []
    for d, day in enumerate(days):
        for i, (hh, mm) in enumerate(SESSION_STARTS):
            for k, callsign in enumerate(sorted(ROUTES)):
                if (d, i, k) in skipped:
                    continue
                police, city = DEVICES[callsign]
                out.append(Session_(callsign, police, city, _local(day, hh * 3600 + mm * 60 + k * 720)))
    return out


def _path(route: list[tuple[float, float, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t seconds, lon, lat) vertices of station → route → back the same way → station."""
    out = [(STATION[0], STATION[1], 0.0), *route, *[(x, y, 0.0) for x, y, _ in reversed(route[:-1])],
           (STATION[0], STATION[1], 0.0)]
    coslat = math.cos(math.radians(STATION[1]))
    t, lon, lat, now = [], [], [], 0.0
    for i, (x, y, dwell) in enumerate(out):
        if i:
            px, py = out[i - 1][0], out[i - 1][1]
            metres = math.hypot((x - px) * 111_320 * coslat, (y - py) * 110_574)
            now += metres / WALK_MPS
        t.append(now)
        lon.append(x)
        lat.append(y)
        if dwell:
            now += dwell
            t.append(now)
            lon.append(x)
            lat.append(y)
    return np.array(t), np.array(lon), np.array(lat)


def session_fixes(s: Session_, rng: np.random.Generator) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """Both sides' fixes of one session: (device, epoch seconds, lon, lat), walking
    together a few metres apart, each device on its own reporting clock."""
    t, lon, lat = _path(ROUTES[s.callsign])
    start = s.start.timestamp()
    coslat = math.cos(math.radians(STATION[1]))
    out = []
    for device, offset in ((s.police_device, 0.0), (s.city_device, 6.0)):
        ts = np.arange(offset, t[-1], FIX_INTERVAL_S)
        x = np.interp(ts, t, lon) + rng.normal(0, 4.0, len(ts)) / (111_320 * coslat)
        y = np.interp(ts, t, lat) + rng.normal(0, 4.0, len(ts)) / 110_574
        out.append((device, np.round(start + ts, 3), x, y))
    return out


def plan_findings(session_list: list[Session_]) -> list[PlannedFinding]:
    """Problems the pilot grid's groups found on patrol in August 2022: handled on the
    spot (立查立纠) or handed over on a work order, most closed within 13710's 7 days."""
    rng = random.Random(SEED + 1)
    chosen = sorted(rng.sample(range(len(session_list)), k=FINDINGS))
    handed = set(rng.sample(chosen, k=HANDED_OVER))
    cats = (("street_vending", "city_management"), ("illegal_parking", "traffic_police"),
            ("dispute", "police_station"), ("security_hazard", "public_order"),
            ("chronic_city_problem", "urban_construction"), ("other", "street_office"))
    out = []
    for i in chosen:
        s = session_list[i]
        x, y, _ = rng.choice(ROUTES[s.callsign])
        category, department = rng.choice(cats)
        closed_after = None
        if i in handed:
            closed_after = rng.choice((rng.uniform(20, 160),) * 8 + (rng.uniform(170, 260), None))
        out.append(PlannedFinding(s.start + timedelta(minutes=rng.uniform(5, 30)), s.callsign, x, y, category,
                                  i in handed, department, closed_after))
    return out

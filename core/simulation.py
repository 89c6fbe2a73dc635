"""A deterministic movement model of units on the street network, plus the mess
real devices add to their reports.

Pure: no clock, no sleeping, no I/O. The caller passes "now" to ``advance`` and
gets the fixes the devices would have reported up to then; the same seed and the
same sequence of "now" values give identical fixes.

Movement. Grid patrol groups patrol their grid: they ride or walk its
must-patrol lines, go to its must-visit points and pause there, and wander its
streets. Other forces (SWAT, station police, traffic police, tier 3) idle at
their home station and now and then drive a route through the city and back.

Reports. Each unit reports every ``SimConfig.unit_interval_s``; its devices
take turns (a patrol carries body cameras, radios and a phone), so a unit's
fixes per second do not grow with its kit. ``MessConfig`` adds GPS noise and
jumps (with a consistent ``accuracy_m``), duplicates, late out-of-order fixes,
and silent devices.

Response. ``Simulation.respond`` sends a unit to an incident as a dispatch
order does: it turns out after a delay drawn around the settings' turn-out time
(a car crew takes longer than a patrol on foot), follows the street route at its
travel mode's dispatch speed, stays on scene for a handling time drawn per
incident category, then returns to patrol in its grid (other forces drive back
to their station). ``recall`` ends a response early (the order was released).
Each response draws from its own stream, seeded from the seed, the unit and the
order's token (the dispatch id), so it is the same however often it is replayed.

Each unit and each device draws from its own random stream, seeded from the
seed and its name, so adding a unit does not change the others' tracks.
"""
from __future__ import annotations

import bisect
import heapq
import math
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

import shapely
from shapely.geometry import shape

from core.fixes import Fix
from core.geodesy import distance_m
from core.layers import LayerFeature
from core.road_network import Coord, NodeId, RoadNetwork
from core.travel import VARIANT_OF_MODE, road_index

__all__ = [
    "TRAVEL_SPEEDS_MPS", "PATROL_FORCES", "RESPONSE_SPEEDS_MPS", "TURNOUT_FACTORS", "HANDLING_S",
    "DEFAULT_HANDLING_S", "SimUnit", "MessConfig", "SimConfig", "Emission", "SimStats", "ResponseOrder",
    "Response", "Simulation", "road_route",
]

# Plausible urban speeds (m/s) per travel mode, drawn per leg.
TRAVEL_SPEEDS_MPS: dict[str, tuple[float, float]] = {"foot": (1.2, 1.6), "ebike": (4.0, 6.0), "car": (7.0, 11.0)}
PATROL_FORCES = frozenset({"grid_patrol"})
# A responding unit moves at its mode's dispatch speed (DispatchSettings: 5 / 20 / 30 km/h),
# drawn within RESPONSE_SPEED_SPREAD of it per response.
RESPONSE_SPEEDS_MPS: dict[str, float] = {"foot": 5 / 3.6, "ebike": 20 / 3.6, "car": 30 / 3.6}
RESPONSE_SPEED_SPREAD = (0.9, 1.1)
# Turn-out as a share of the settings' turn-out time: on foot a patrol just turns round,
# an e-bike is unlocked, a car crew gets in and pulls out.
TURNOUT_FACTORS: dict[str, tuple[float, float]] = {"foot": (0.3, 0.8), "ebike": (0.6, 1.2), "car": (0.9, 1.6)}
# On-scene handling (seconds) per incident category; simple cases are settled on the spot.
HANDLING_S: dict[str, tuple[float, float]] = {
    "criminal": (1200.0, 2700.0), "public_order": (600.0, 1500.0), "dispute": (600.0, 1800.0),
    "public_safety_accident": (900.0, 2400.0), "traffic_accident": (600.0, 1800.0), "fire": (900.0, 2400.0),
    "assistance": (300.0, 900.0), "complaint": (300.0, 900.0), "other": (300.0, 900.0), "invalid": (60.0, 180.0),
    "city_appearance": (300.0, 900.0), "advertising": (300.0, 600.0), "construction": (600.0, 1200.0),
    "street_order": (300.0, 1200.0), "city_emergency": (900.0, 2400.0),
}
DEFAULT_HANDLING_S = (300.0, 1200.0)
# Reported accuracy of a fix that carries no simulated error.
CLEAN_ACCURACY_M = 3.0
# The 68 % radius of a circular 2-D Gaussian is sqrt(-2 ln 0.32) sigma: what
# Android reports as "accuracy".
_R68 = math.sqrt(-2.0 * math.log(0.32))
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQ = 111_320.0


@dataclass(frozen=True)
class SimUnit:
    key: str  # unique and stable (the callsign): it seeds the unit's random stream
    device_ids: tuple[str, ...]
    travel_mode: str = "foot"  # foot | ebike | car
    force: str = "grid_patrol"
    grid_code: str | None = None
    home: Coord | None = None  # (lon, lat) of the home station

    @property
    def patrols(self) -> bool:
        return self.force in PATROL_FORCES and self.grid_code is not None


@dataclass(frozen=True)
class MessConfig:
    """How untidy the reports are. Shares are probabilities in [0, 1]."""

    noise: float = 1.0  # share of fixes with GPS error (0 = exact positions)
    noise_sigma_m: float = 4.0  # typical per-axis error of a noisy fix
    jumps: float = 0.02  # share of the noisy fixes that jump instead
    jump_m: tuple[float, float] = (30.0, 80.0)
    duplicates: float = 0.02  # share of sent fixes that are sent again
    duplicate_delay_s: tuple[float, float] = (1.0, 10.0)
    late: float = 0.03  # share of fixes buffered and sent later, after newer ones
    late_delay_s: tuple[float, float] = (20.0, 180.0)
    silent: float = 0.05  # share of devices silent at any moment (long run)
    silent_mean_s: float = 300.0  # mean length of one silent spell

    def __post_init__(self) -> None:
        for name in ("noise", "jumps", "duplicates", "late", "silent"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"MessConfig.{name} must be a share in [0, 1], not {value}")

    @classmethod
    def clean(cls) -> "MessConfig":
        return cls(noise=0.0, jumps=0.0, duplicates=0.0, late=0.0, silent=0.0)


@dataclass(frozen=True)
class SimConfig:
    unit_interval_s: float = 5.0  # each unit reports this often; its devices take turns
    speeds: Mapping[str, tuple[float, float]] = field(default_factory=lambda: dict(TRAVEL_SPEEDS_MPS))
    point_pause_s: tuple[float, float] = (60.0, 300.0)  # at a must-visit point
    home_idle_s: tuple[float, float] = (300.0, 1200.0)  # non-patrol units at their station
    errand_pause_s: tuple[float, float] = (30.0, 180.0)  # at the far end of a drive
    errand_radius_m: float = 3000.0
    wander_m: tuple[float, float] = (300.0, 1200.0)
    patrol_mix: tuple[float, float, float] = (0.4, 0.35, 0.25)  # weights: line, point, wander
    battery_drain_pct_per_h: tuple[float, float] = (4.0, 10.0)
    mess: MessConfig = field(default_factory=MessConfig)
    # Responses to dispatch orders (pass the dispatch settings' speeds and turn-out time).
    turnout_s: float = 30.0
    turnout_factors: Mapping[str, tuple[float, float]] = field(default_factory=lambda: dict(TURNOUT_FACTORS))
    response_speeds: Mapping[str, float] = field(default_factory=lambda: dict(RESPONSE_SPEEDS_MPS))
    handling_s: Mapping[str, tuple[float, float]] = field(default_factory=lambda: dict(HANDLING_S))

    def __post_init__(self) -> None:
        if not self.unit_interval_s > 0:
            raise ValueError("unit_interval_s must be positive")
        if self.turnout_s < 0:
            raise ValueError("turnout_s must not be negative")
        if any(not v > 0 for v in self.response_speeds.values()):
            raise ValueError("response speeds must be positive")

    def speed_range(self, travel_mode: str) -> tuple[float, float]:
        return self.speeds.get(travel_mode, self.speeds["foot"])

    def response_speed(self, travel_mode: str) -> float:
        return self.response_speeds.get(travel_mode, self.response_speeds.get("foot", RESPONSE_SPEEDS_MPS["foot"]))


@dataclass(frozen=True, slots=True)
class Emission:
    """One report as a device sends it: ``kind`` is fix (on time), late or duplicate."""

    fix: Fix
    kind: Literal["fix", "late", "duplicate"]
    sent_at: datetime


@dataclass
class SimStats:
    fixes: int = 0  # sent on time
    late: int = 0  # sent late, after newer fixes of the same device
    duplicates: int = 0  # sent again
    silenced: int = 0  # not sent: the device was silent
    noisy: int = 0
    jumps: int = 0

    @property
    def sent(self) -> int:
        return self.fixes + self.late + self.duplicates


@dataclass(frozen=True)
class ResponseOrder:
    """A dispatch order as the unit receives it."""

    token: int  # identifies the order (the dispatch id): seeds the response's draws
    target: Coord  # (lon, lat) of the incident
    ordered_at: datetime
    category: str | None = None  # decides the handling time
    route: Sequence[Coord] | None = None  # (lon, lat) unit -> incident; None: routed on the streets here


@dataclass
class Response:
    """One unit's answer to an order, with the times its phases end (UTC)."""

    key: str
    token: int
    ordered_at: datetime
    moving_at: datetime  # turn-out over: the unit sets off (出警)
    arrive_at: datetime  # at the incident (the arrival detector decides when it is *seen* there)
    leave_at: datetime  # handling over: the unit returns to patrol
    route_m: float
    speed_mps: float
    by_road: bool  # False: no street route, it went straight
    recalled_at: datetime | None = None

    def phase(self, now: datetime) -> str:
        """turnout | travelling | on_scene | returning (also after a recall)."""
        if self.recalled_at is not None and now >= self.recalled_at:
            return "returning"
        if now < self.moving_at:
            return "turnout"
        if now < self.arrive_at:
            return "travelling"
        return "on_scene" if now < self.leave_at else "returning"


def road_route(network: RoadNetwork, start: Coord, target: Coord, travel_mode: str) -> list[Coord] | None:
    """The street route from ``start`` to ``target`` the dispatch ranking computes for this
    travel mode (core.travel: one-way streets for vehicles); None when the streets do not connect."""
    index = road_index(network)
    found = index.search(target[0], target[1], VARIANT_OF_MODE.get(travel_mode, "walk"), math.inf)
    snap = index.snap([start[0]], [start[1]])
    metres, exits = index.costs(found, snap)
    if not math.isfinite(float(metres[0])):
        return None
    return index.route(found, start, snap, 0, int(exits[0]), target)


# ---------------------------------------------------------------- movement

@dataclass(slots=True)
class _Move:
    coords: list[Coord]
    cum: list[float]  # metres from the start to each vertex
    speed: float

    @classmethod
    def along(cls, coords: Sequence[Coord], speed: float) -> "_Move":
        cum = [0.0]
        for a, b in zip(coords, coords[1:]):
            cum.append(cum[-1] + distance_m(a[0], a[1], b[0], b[1]))
        return cls(list(coords), cum, speed)

    @property
    def total(self) -> float:
        return self.cum[-1]


@dataclass(slots=True)
class _Pause:
    seconds: float


@dataclass
class _GridPlan:
    lines: list[list[NodeId]]
    points: list[tuple[Coord, NodeId]]
    nodes: frozenset[NodeId] | None  # streets of the grid, for wandering


def _bearing(a: Coord, b: Coord) -> float:
    dx = (b[0] - a[0]) * math.cos(math.radians((a[1] + b[1]) / 2))
    dy = b[1] - a[1]
    return math.degrees(math.atan2(dx, dy)) % 360.0


class _Agent:
    """One unit's position over time, driven by an endless plan of moves and pauses."""

    def __init__(self, unit: SimUnit, net: RoadNetwork, grid: _GridPlan | None, config: SimConfig,
                 rng: random.Random):
        self.unit, self.net, self.grid, self.config, self.rng = unit, net, grid, config, rng
        self.oneway = unit.travel_mode != "foot"  # people on foot ignore one-way streets
        self.t = 0.0
        self.speed = 0.0
        self.heading = round(rng.uniform(0.0, 360.0), 1)
        self._act: _Move | _Pause | None = None
        self._act_t0 = 0.0
        if unit.patrols and grid is not None:
            start = rng.choice(sorted(grid.nodes)) if grid.nodes else self._home_node()
            self.pos = net.node_coord(start)
            self._plan = self._patrol_plan(start)
        else:
            self.pos = unit.home or net.node_coord(self._home_node())
            self._plan = self._station_plan()

    def _home_node(self) -> NodeId:
        if self.unit.home is not None:
            return self.net.nearest_node(*self.unit.home)
        return self.rng.randrange(len(self.net))

    # -- orders

    def stop_at(self, t: float) -> float:
        """Where the unit is at ``t`` (or now, if it is already past ``t``): the time a new plan starts."""
        if t > self.t:
            self.advance(t)
        return self.t

    def follow(self, plan: Iterator[_Move | _Pause]) -> None:
        """Drop what the unit was doing and follow ``plan`` from its position and time."""
        self._act = None
        self._plan = plan

    def response_plan(self, turnout_s: float, route: Sequence[Coord], speed: float,
                      handling_s: float) -> Iterator[_Move | _Pause]:
        yield _Pause(turnout_s)
        yield _Move.along(route, speed)
        yield _Pause(handling_s)
        yield from self.return_plan(route[-1])

    def return_plan(self, here: Coord) -> Iterator[_Move | _Pause]:
        """Back to the usual work from ``here``: patrols on their grid, other forces at their station."""
        node = self.net.nearest_node(*here)
        if self.unit.patrols and self.grid is not None:
            yield _Move.along([here, self.net.node_coord(node)], self._speed())
            yield from self._patrol_plan(node)
            return
        home = self._home_node()
        back = self._route(node, home) or [node]
        station = self.unit.home or self.net.node_coord(home)
        yield _Move.along([here] + self.net.path_coords(back) + [station], self._speed())
        yield from self._station_plan()

    # -- time

    def advance(self, t: float) -> None:
        empty = 0  # activities in a row that took no time
        while self.t < t:
            if self._act is None:
                # A plan of only empty legs would spin for ever; a minute's rest breaks it.
                self._act = next(self._plan) if empty < 100 else _Pause(60.0)
                self._act_t0 = self.t
            act = self._act
            if isinstance(act, _Pause):
                self.speed = 0.0
                end = self._act_t0 + act.seconds
                if end > t:
                    self.t = t
                    return
            else:
                end = self._act_t0 + act.total / act.speed
                self.speed = act.speed if act.total > 0 else 0.0
                if end > t:
                    self._place(act, (t - self._act_t0) * act.speed)
                    self.t = t
                    return
                self._place(act, act.total)
            empty = empty + 1 if end <= self.t else 0
            self.t = end
            self._act = None

    def _place(self, move: _Move, along: float) -> None:
        cum, coords = move.cum, move.coords
        if len(cum) < 2:
            self.pos = coords[-1]
            return
        i = min(max(bisect.bisect_right(cum, along) - 1, 0), len(cum) - 2)
        a, b = coords[i], coords[i + 1]
        if cum[i + 1] <= cum[i]:
            self.pos = b
            return
        f = min(1.0, (along - cum[i]) / (cum[i + 1] - cum[i]))
        self.pos = (a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f)
        self.heading = round(_bearing(a, b), 1) % 360.0  # 359.96 rounds to 360.0

    # -- plans

    def _speed(self) -> float:
        return self.rng.uniform(*self.config.speed_range(self.unit.travel_mode))

    def _route(self, a: NodeId, b: NodeId) -> list[NodeId] | None:
        _, nodes = self.net.shortest_path(a, b, oneway=self.oneway)
        return nodes or None

    def _nodes_move(self, nodes: Sequence[NodeId], tail: Sequence[Coord] = ()) -> _Move:
        return _Move.along(self.net.path_coords(nodes) + list(tail), self._speed())

    def _line_route(self, here: NodeId, line: list[NodeId]) -> list[NodeId] | None:
        if self.rng.random() < 0.5:
            line = line[::-1]
        nodes = self._route(here, line[0])
        for a, b in zip(line, line[1:]):
            step = self._route(a, b)
            if nodes is None or step is None:
                return None
            nodes += step[1:]
        return nodes

    def _patrol_plan(self, here: NodeId) -> Iterator[_Move | _Pause]:
        grid, rng, cfg = self.grid, self.rng, self.config
        kinds = [k for k, ok in (("line", grid.lines), ("point", grid.points), ("wander", True)) if ok]
        weights = [dict(zip(("line", "point", "wander"), cfg.patrol_mix))[k] for k in kinds]
        previous: NodeId | None = None
        while True:
            kind = rng.choices(kinds, weights)[0]
            nodes = None
            if kind == "point":
                coord, node = rng.choice(grid.points)
                route = self._route(here, node)
                if route is not None:
                    yield self._nodes_move(route, [coord])
                    yield _Pause(rng.uniform(*cfg.point_pause_s))
                    yield _Move.along([coord, self.net.node_coord(node)], self._speed())
                    here, previous = node, None
                    continue
            elif kind == "line":
                nodes = self._line_route(here, rng.choice(grid.lines))
            if nodes is None:  # wandering, or the line or point cannot be reached
                nodes = self.net.random_walk(here, rng.uniform(*cfg.wander_m), rng, oneway=self.oneway,
                                             allowed=grid.nodes, previous=previous)
            if len(nodes) < 2:
                yield _Pause(30.0)
                continue
            yield self._nodes_move(nodes)
            here, previous = nodes[-1], nodes[-2]

    def _errand_target(self, home: NodeId) -> NodeId:
        hx, hy = self.net.node_coord(home)
        for _ in range(20):
            node = self.rng.randrange(len(self.net))
            x, y = self.net.node_coord(node)
            if node != home and distance_m(hx, hy, x, y) <= self.config.errand_radius_m:
                return node
        return self.rng.randrange(len(self.net))

    def _station_plan(self) -> Iterator[_Move | _Pause]:
        rng, cfg = self.rng, self.config
        home = self._home_node()
        base = self.net.node_coord(home)
        station = self.unit.home or base
        lo, hi = cfg.home_idle_s
        # Stagger the first departures: not every car leaves at once.
        yield _Pause(rng.uniform(0.0, hi))
        while True:
            target = self._errand_target(home)
            out, back = self._route(home, target), self._route(target, home)
            if out is None or back is None:
                yield _Pause(rng.uniform(lo, hi))
                continue
            yield _Move.along([station] + self.net.path_coords(out), self._speed())
            yield _Pause(rng.uniform(*cfg.errand_pause_s))
            yield _Move.along(self.net.path_coords(back) + [station], self._speed())
            yield _Pause(rng.uniform(lo, hi))


# ---------------------------------------------------------------- devices and mess

class _Device:
    def __init__(self, device_id: str, seed: int, config: SimConfig, interval_s: float):
        self.device_id = device_id
        self.rng = random.Random(f"{seed}/mess/{device_id}")
        self._silence_rng = random.Random(f"{seed}/silent/{device_id}")
        self.interval_s = interval_s  # between this device's own reports
        lo, hi = config.battery_drain_pct_per_h
        self.battery0 = self.rng.uniform(55.0, 100.0)
        self.drain = self.rng.uniform(lo, hi)
        self.last_sent_t = -math.inf
        mess = config.mess
        self._p, self._mean_off = mess.silent, mess.silent_mean_s
        self.silent = self._silence_rng.random() < self._p
        self._until = self._next_spell(0.0)

    def _next_spell(self, t: float) -> float:
        if self._p <= 0.0 or self._p >= 1.0:
            return math.inf
        # Alternating spells whose mean lengths make the silent share ``p``.
        mean = self._mean_off if self.silent else self._mean_off * (1.0 - self._p) / self._p
        return t + self._silence_rng.expovariate(1.0 / mean)

    def silent_at(self, t: float) -> bool:
        if self._p >= 1.0:
            return True
        while t >= self._until:
            self.silent = not self.silent
            self._until = self._next_spell(self._until)
        return self.silent

    def battery(self, t: float) -> float:
        level = self.battery0 - self.drain * t / 3600.0
        if level < 10.0:  # the battery is swapped; keep a long run plausible
            level = 10.0 + (level - 10.0) % 90.0
        return round(level, 1)


class Simulation:
    """Units moving on ``network`` and the fixes their devices report."""

    def __init__(self, units: Iterable[SimUnit], network: RoadNetwork, lines: Iterable[LayerFeature] = (),
                 points: Iterable[LayerFeature] = (), seed: int = 0, config: SimConfig | None = None, *,
                 grids: Iterable[LayerFeature] = (), start: datetime | None = None):
        if not len(network):
            raise ValueError("the simulation needs a road network with at least one street")
        self.units = [u for u in units if u.device_ids]
        keys = [u.key for u in self.units]
        if len(set(keys)) != len(keys):
            raise ValueError("unit keys must be unique")
        self.network, self.seed = network, seed
        self.config = config or SimConfig()
        self.stats = SimStats()
        self._plans = _grid_plans(network, list(lines), list(points), list(grids))
        self._start: datetime | None = None
        self._agents: list[_Agent] = []
        self._held: list[tuple[float, int, Fix, str]] = []  # (release t, order, fix, kind)
        self._order = 0
        self._now_t = 0.0  # seconds since start of the last ``advance``
        self._slot = {u.key: i for i, u in enumerate(self.units)}
        self._responses: dict[str, Response] = {}
        if start is not None:
            self._begin(start)

    @property
    def start(self) -> datetime | None:
        return self._start

    def _begin(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the simulation needs aware datetimes (UTC)")
        self._start = start.replace(microsecond=start.microsecond // 1000 * 1000)
        interval = self.config.unit_interval_s
        self._agents, self._next_t, self._turn, self._devices = [], [], [], {}
        for unit in self.units:
            rng = random.Random(f"{self.seed}/unit/{unit.key}")
            self._agents.append(_Agent(unit, self.network, self._plans.get(unit.grid_code), self.config, rng))
            self._next_t.append(rng.uniform(0.0, interval))  # spread reports evenly over time
            self._turn.append(0)
            for device_id in unit.device_ids:
                self._devices[device_id] = _Device(device_id, self.seed, self.config, interval * len(unit.device_ids))

    def _seconds(self, when: datetime) -> float:
        return (when - self._start).total_seconds()

    def _time(self, t: float) -> datetime:
        return self._start + timedelta(milliseconds=round(t * 1000.0))

    def position(self, key: str) -> Coord:
        """Where a unit truly is (no noise), as of the last ``advance``."""
        for unit, agent in zip(self.units, self._agents):
            if unit.key == key:
                return agent.pos
        raise KeyError(key)

    # -- dispatch orders

    def has_unit(self, key: str) -> bool:
        return key in self._slot

    def response(self, key: str) -> Response | None:
        """The unit's latest response (None if it never had an order)."""
        return self._responses.get(key)

    def respond(self, key: str, order: ResponseOrder, now: datetime) -> Response:
        """Send unit ``key`` to ``order.target``; ``now`` is the caller's time (it starts
        the simulation if it has not started). An order older than the unit's last
        report starts from where the unit is now, its turn-out counted from the order."""
        if self._start is None:
            self._begin(now)
        agent = self._agents[self._slot[key]]
        rng = random.Random(f"{self.seed}/respond/{key}/{order.token}")
        cfg = self.config
        t_order = self._seconds(order.ordered_at)
        start = agent.stop_at(min(t_order, self._seconds(now)))
        turnout = cfg.turnout_s * rng.uniform(*cfg.turnout_factors.get(agent.unit.travel_mode, (0.5, 1.0)))
        wait = max(0.0, t_order + turnout - start)
        here = agent.pos
        route = list(order.route) if order.route else road_route(self.network, here, order.target,
                                                                  agent.unit.travel_mode)
        by_road = route is not None
        route = route if route and route[0] == here else [here] + (route or [order.target])
        speed = cfg.response_speed(agent.unit.travel_mode) * rng.uniform(*RESPONSE_SPEED_SPREAD)
        handling = rng.uniform(*cfg.handling_s.get(order.category or "", DEFAULT_HANDLING_S))
        move = _Move.along(route, speed)
        agent.follow(agent.response_plan(wait, route, speed, handling))
        moving = start + wait
        arrive = moving + move.total / speed
        response = Response(key=key, token=order.token, ordered_at=order.ordered_at, moving_at=self._time(moving),
                            arrive_at=self._time(arrive), leave_at=self._time(arrive + handling),
                            route_m=round(move.total, 1), speed_mps=round(speed, 2), by_road=by_road)
        self._responses[key] = response
        return response

    def recall(self, key: str, now: datetime) -> Response | None:
        """The order was released before the unit finished: it returns to patrol from where it is."""
        response = self._responses.get(key)
        if response is None or self._start is None or response.phase(now) == "returning":
            return response
        agent = self._agents[self._slot[key]]
        start = agent.stop_at(self._seconds(now))
        agent.follow(agent.return_plan(agent.pos))
        response.recalled_at = self._time(start)
        return response

    def advance(self, now: datetime) -> list[Fix]:
        return [e.fix for e in self.advance_detailed(now)]

    def advance_detailed(self, now: datetime) -> list[Emission]:
        """Everything the devices send up to ``now``, in sending order."""
        if self._start is None:
            self._begin(now)
        horizon = self._seconds(now)
        due: list[tuple[float, int]] = []
        interval = self.config.unit_interval_s
        for i, next_t in enumerate(self._next_t):
            while next_t <= horizon:
                due.append((next_t, i))
                next_t += interval
            self._next_t[i] = next_t
        due.sort()
        out: list[Emission] = []
        for t, i in due:
            unit, agent = self.units[i], self._agents[i]
            agent.advance(t)
            device = self._devices[unit.device_ids[self._turn[i] % len(unit.device_ids)]]
            self._turn[i] += 1
            if device.silent_at(t):
                self.stats.silenced += 1
                continue
            fix = self._fix(device, agent, t)
            if device.rng.random() < self.config.mess.late:
                # Held until the device has sent something newer: out of order.
                delay = max(device.rng.uniform(*self.config.mess.late_delay_s), 1.5 * device.interval_s)
                self._hold(t + delay, fix, "late")
                continue
            self._send(out, device, fix, "fix", t)
        self._now_t = horizon
        self._release(out, horizon, force=False)
        return out

    def drain(self) -> list[Emission]:
        """Send every held fix now, as devices do when they reconnect at the end of a run."""
        out: list[Emission] = []
        if self._start is not None:
            self._release(out, self._now_t, force=True)
        return out

    @property
    def pending(self) -> int:
        return len(self._held)

    def _hold(self, release_t: float, fix: Fix, kind: str) -> None:
        self._order += 1
        heapq.heappush(self._held, (release_t, self._order, fix, kind))

    def _send(self, out: list[Emission], device: _Device, fix: Fix, kind: str, t: float) -> None:
        out.append(Emission(fix, kind, self._time(t)))  # type: ignore[arg-type]
        if kind == "duplicate":
            self.stats.duplicates += 1
            return
        if kind == "late":
            self.stats.late += 1
        else:
            self.stats.fixes += 1
        device.last_sent_t = max(device.last_sent_t, self._seconds(fix.fix_time))
        mess = self.config.mess
        if device.rng.random() < mess.duplicates:
            # A resend after a lost acknowledgement: the same report, a little later.
            self._hold(t + device.rng.uniform(*mess.duplicate_delay_s), fix, "duplicate")

    def _release(self, out: list[Emission], upto: float, force: bool) -> None:
        """Send held reports due by ``upto`` (all of them with ``force``) at the current time."""
        waiting = []
        while self._held and (force or self._held[0][0] <= upto):
            entry = heapq.heappop(self._held)
            _, _, fix, kind = entry
            device = self._devices[fix.device_id]
            if kind == "late" and not force and device.last_sent_t <= self._seconds(fix.fix_time):
                waiting.append(entry)  # nothing newer sent yet: keep buffering
                continue
            self._send(out, device, fix, kind, self._now_t)
        for entry in waiting:
            heapq.heappush(self._held, entry)

    def _fix(self, device: _Device, agent: _Agent, t: float) -> Fix:
        mess, rng = self.config.mess, device.rng
        lon, lat = agent.pos
        speed = agent.speed
        accuracy = CLEAN_ACCURACY_M
        if rng.random() < mess.noise:
            self.stats.noisy += 1
            if rng.random() < mess.jumps:
                self.stats.jumps += 1
                dist, angle = rng.uniform(*mess.jump_m), rng.uniform(0.0, 2.0 * math.pi)
                dx, dy = dist * math.sin(angle), dist * math.cos(angle)
                accuracy = dist * rng.uniform(0.8, 1.3)  # the receiver knows it is unsure
            else:
                sigma = mess.noise_sigma_m * rng.uniform(0.5, 1.5)
                dx, dy = rng.gauss(0.0, sigma), rng.gauss(0.0, sigma)
                accuracy = _R68 * sigma
            lon += dx / (_M_PER_DEG_LON_EQ * math.cos(math.radians(lat)))
            lat += dy / _M_PER_DEG_LAT
            speed = max(0.0, speed + rng.gauss(0.0, 0.15)) if speed > 0 else 0.0
        return Fix(
            device_id=device.device_id, lat=round(lat, 7), lon=round(lon, 7), fix_time=self._time(t),
            accuracy_m=round(accuracy, 1), speed_mps=round(speed, 2), heading_deg=agent.heading,
            battery_pct=device.battery(t),
        )


def _grid_plans(net: RoadNetwork, lines: list[LayerFeature], points: list[LayerFeature],
                grids: list[LayerFeature]) -> dict[str, _GridPlan]:
    """Per grid: its lines as node sequences, its points with their street node, its streets."""
    plans: dict[str, _GridPlan] = {}

    def plan(code: str) -> _GridPlan:
        return plans.setdefault(code, _GridPlan([], [], None))

    shapes: dict[str, list] = {}
    for feature in lines:
        if not feature.grid_code:
            continue
        geom = feature.geometry
        parts = [geom["coordinates"]] if geom["type"] == "LineString" else geom["coordinates"]
        for part in parts:
            nodes = net.nearest_nodes([c[0] for c in part], [c[1] for c in part]).tolist()
            nodes = [n for i, n in enumerate(nodes) if i == 0 or n != nodes[i - 1]]
            if len(nodes) >= 2:
                plan(feature.grid_code).lines.append(nodes)
        shapes.setdefault(feature.grid_code, []).append(shape(geom))
    for feature in points:
        if not feature.grid_code or feature.geometry.get("type") != "Point":
            continue
        lon, lat = feature.geometry["coordinates"][:2]
        plan(feature.grid_code).points.append(((float(lon), float(lat)), net.nearest_node(lon, lat)))
        shapes.setdefault(feature.grid_code, []).append(shape(feature.geometry))
    areas = {g.code: shape(g.geometry).buffer(0.0005) for g in grids}  # ~50 m: boundary streets count
    for code in set(plans) | set(areas):
        # Without the grid's polygon, its lines and points outline it well enough.
        area = areas[code] if code in areas else shapely.convex_hull(shapely.union_all(shapes[code])).buffer(0.003)
        nodes = net.nodes_within(area)
        plan(code).nodes = frozenset(nodes) if nodes else None
    return plans

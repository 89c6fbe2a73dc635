"""A small synthetic patrol day shared by the core, db and CLI patrol tests.

Joint group 1 (police device 0 "P1", city device 1 "C1") stays at point P1 for 5 minutes
(one GPS outlier 200 m away in the middle), walks the line L1 north together for
15 minutes, then rests at station ST for 12 minutes. Police unit 2 (device 2 "P2")
passes P1 for only 60 s. City unit 3 (device 3 "C3") walks beside P2 for 8 minutes."""
from __future__ import annotations

import math
from datetime import datetime, timezone

import numpy as np

from core.patrol_detect import CITY, POLICE, FixBatch
from core.patrol_places import LineRule, PlaceIndex, PointRule

T0 = datetime(2026, 6, 1, 11, 0, tzinfo=timezone.utc).timestamp()  # 19:00 in Dengzhou
LON0, LAT0 = 112.080, 32.680
M_LAT = 1 / 110_900.0
M_LON = 1 / (111_320.0 * math.cos(math.radians(LAT0)))
DEVICES = ["P1", "C1", "P2", "C3"]
UNITS = {0: 1, 1: 1, 2: 2, 3: 3}
SIDES = {0: POLICE, 1: CITY, 2: POLICE, 3: CITY}
STATION = (LON0 + 1500 * M_LON, LAT0)
LINE = [[LON0 + 300 * M_LON, LAT0], [LON0 + 300 * M_LON, LAT0 + 1200 * M_LAT]]


def places(station_radius_m: float = 100.0) -> PlaceIndex:
    point = PointRule("P1", LON0, LAT0, radius_m=50, dwell_s=120, valid_from=0)
    line = LineRule("L1", LINE, buffer_m=30, valid_from=0)
    return PlaceIndex([point], [line], [STATION], station_radius_m)


def fixes() -> list[tuple[float, int, float, float]]:
    """(t, device, lon, lat) of the whole scenario, in time order."""
    rng = np.random.default_rng(7)
    out = []

    def at(t, dev, east_m, north_m, noise=8.0):
        e, n = east_m + rng.normal(0, noise), north_m + rng.normal(0, noise)
        out.append((T0 + t, dev, LON0 + e * M_LON, LAT0 + n * M_LAT))

    for k in range(31):  # 5 minutes at P1, a fix every 10 s from both devices
        if k == 15:
            at(k * 10, 0, 200, 0, noise=0)  # the outlier
        else:
            at(k * 10, 0, 0, 0)
        at(k * 10 + 3, 1, 5, 5)
    for k in range(91):  # 15 minutes walking north along L1, both devices
        t = 400 + k * 10
        at(t, 0, 300, k * 13.0)
        at(t + 2, 1, 305, k * 13.0 + 4)
    for k in range(73):  # 12 minutes together at the station: not a joint patrol
        t = 1400 + k * 10
        at(t, 0, 1500, 0)
        at(t + 1, 1, 1505, 0)
    for k in range(7):  # P2 passes P1 for 60 s: too short for a check-in
        at(3000 + k * 10, 2, 0, 0)
    for k in range(49):  # P2 and C3 together 8 minutes: too short for a joint patrol
        t = 4000 + k * 10
        at(t, 2, 600, 600)
        at(t + 5, 3, 610, 600)
    return sorted(out)


def batch(rows) -> FixBatch:
    t = np.array([r[0] for r in rows], dtype=float)
    dev = np.array([r[1] for r in rows], dtype=np.int64)
    return FixBatch(t=t, lon=np.array([r[2] for r in rows]), lat=np.array([r[3] for r in rows]),
                    unit=np.array([UNITS[d] for d in dev], dtype=np.int64), device=dev,
                    side=np.array([SIDES[d] for d in dev], dtype=np.int8))

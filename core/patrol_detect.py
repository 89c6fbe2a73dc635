"""Patrol detection, pure and incremental: check-ins at must-visit points, passes along
must-patrol lines, and joint patrols of a police side and a city side.

One :class:`PatrolDetector` serves both the live server (small batches, in any order,
with duplicates and late fixes) and `patrol rebuild` over stored history (large
time-ordered chunks). Every result is a function of *sets* that only grow by union
or by "newest wins", so the order and the batching of the fixes cannot change it:

* a **check-in**: the times a unit (any of its devices) was inside a point's radius,
  split wherever two consecutive inside-times are more than ``bridge_gap_s`` apart
  (so GPS noise outside the radius and short gaps are bridged); a stay lasting at
  least the point's dwell is one check-in (arrived = first inside fix, left = last).
* a **pass**: likewise the times a unit was inside a line's corridor; the pass covers
  the line from its lowest to its highest position along the line (projected), widened
  by the buffer at both ends. Coverage is the union of the passes (core.patrol_status).
* a **joint patrol**: time is cut into ``joint_step_s`` steps; in each step a *side*
  (a unit's police devices, or its city devices) is where its newest fix in the step
  puts it. A police side and a city side are together in a step when both were
  outside every station's radius and within ``joint_distance_m``. Runs of together
  steps, bridged across gaps ≤ ``bridge_gap_s``, lasting ≥ ``joint_min_minutes`` are
  one joint patrol per pair per run.

Each :meth:`PatrolDetector.add` returns a :class:`Delta`: events that no longer hold
and events that now hold; applying the deltas in order leaves exactly the events
detection over all the fixes at once gives.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Hashable

import numpy as np
import shapely

from core.patrol_places import PlaceIndex
from core.settings import PatrolSettings

POLICE, CITY = 1, 2
SIDES = {"police": POLICE, "city": CITY}
_SIDE_BITS = 4  # side id = unit * 4 + side
_PAIR_SHIFT = 31  # pair key = police side id << 31 | city side id
_CITY_MASK = (1 << _PAIR_SHIFT) - 1


@dataclass(frozen=True, slots=True)
class FixBatch:
    """Fixes as columns. ``device`` indexes the detector's device names; ``side`` is
    0 (unknown), POLICE or CITY; ``unit`` is -1 for a device with no unit."""

    t: np.ndarray  # epoch seconds, float64
    lon: np.ndarray
    lat: np.ndarray
    unit: np.ndarray  # int64
    device: np.ndarray  # int64
    side: np.ndarray  # int8
    accuracy: np.ndarray | None = None  # metres, NaN unknown

    def __len__(self) -> int:
        return len(self.t)

    def take(self, index) -> "FixBatch":
        acc = None if self.accuracy is None else self.accuracy[index]
        return FixBatch(self.t[index], self.lon[index], self.lat[index], self.unit[index], self.device[index],
                        self.side[index], acc)


@dataclass(frozen=True, slots=True, order=True)
class Event:
    kind: str  # checkin | pass | joint
    place_code: str | None
    unit_id: int | None  # joint: the police side's unit
    start: float  # epoch seconds
    end: float
    device: str  # check-in/pass: the first fix's device; joint: the police device
    other_unit_id: int | None = None  # joint: the city side's unit
    other_device: str | None = None
    span_from_m: float | None = None  # pass: the covered stretch of the line
    span_to_m: float | None = None

    @property
    def key(self) -> tuple:
        """What identifies an event for replacement: one kind, place and pair start only one."""
        return (self.kind, self.place_code, self.unit_id, self.other_unit_id, self.start)


@dataclass
class Delta:
    removed: list[Event] = field(default_factory=list)
    added: list[Event] = field(default_factory=list)

    def extend(self, other: "Delta") -> None:
        self.removed.extend(other.removed)
        self.added.extend(other.added)

    def __bool__(self) -> bool:
        return bool(self.removed or self.added)


def clusters(t: np.ndarray, gap: float) -> tuple[np.ndarray, np.ndarray]:
    """(first, last) indices of runs in sorted ``t`` whose consecutive gaps are ≤ ``gap``."""
    if not len(t):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    breaks = np.flatnonzero(t[1:] - t[:-1] > gap) + 1
    first = np.empty(len(breaks) + 1, dtype=np.int64)
    first[0] = 0
    first[1:] = breaks
    last = np.empty_like(first)
    last[:-1] = breaks - 1
    last[-1] = len(t) - 1
    return first, last


class _Series:
    """Per key, sorted (t, device, value) entries plus the events last emitted for them."""

    __slots__ = ("data", "emitted")

    def __init__(self):
        self.data: dict[Hashable, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.emitted: dict[Hashable, list[Event]] = {}

    def merge(self, key, t, dev, val, drop_t: np.ndarray | None = None):
        old = self.data.get(key)
        if old is not None:
            ot, od, ov = old
            if drop_t is not None and len(drop_t):
                keep = ~np.isin(ot, drop_t)
                ot, od, ov = ot[keep], od[keep], ov[keep]
            appending = len(t) and len(ot) and t.min() > ot[-1] and _sorted(t, dev)  # the live common case
            t, dev, val = np.concatenate((ot, t)), np.concatenate((od, dev)), np.concatenate((ov, val))
            if not appending:
                order = np.lexsort((val, dev, t))
                t, dev, val = t[order], dev[order], val[order]
                if len(t) > 1:  # a resent fix is stored once
                    keep = np.ones(len(t), dtype=bool)
                    keep[1:] = (t[1:] != t[:-1]) | (dev[1:] != dev[:-1])
                    if not keep.all():
                        t, dev, val = t[keep], dev[keep], val[keep]
        elif not _sorted(t, dev):
            order = np.lexsort((val, dev, t))
            t, dev, val = t[order], dev[order], val[order]
            keep = np.ones(len(t), dtype=bool)
            keep[1:] = (t[1:] != t[:-1]) | (dev[1:] != dev[:-1])
            t, dev, val = t[keep], dev[keep], val[keep]
        if len(t):
            self.data[key] = (t, dev, val)
        else:
            self.data.pop(key, None)
        return t, dev, val

    def replace(self, key, events: list[Event], delta: Delta) -> None:
        old = self.emitted.get(key, [])
        if old == events:
            return
        old_set, new_set = set(old), set(events)
        delta.removed.extend(e for e in old if e not in new_set)
        delta.added.extend(e for e in events if e not in old_set)
        if events:
            self.emitted[key] = events
        else:
            self.emitted.pop(key, None)

    def prune(self, before: float, gap: float) -> None:
        """Forget entries and events of runs that ended before ``before`` (final by now)."""
        for key in list(self.data):
            t, dev, val = self.data[key]
            if t[-1] < before - gap:
                del self.data[key]
                self.emitted.pop(key, None)
                continue
            first, _ = clusters(t, gap)
            closed = first[first <= np.searchsorted(t, before - gap)]
            if len(closed) > 1:
                cut = int(closed[-1])
                self.data[key] = (t[cut:], dev[cut:], val[cut:])
                if key in self.emitted:
                    self.emitted[key] = [e for e in self.emitted[key] if e.start >= t[cut]]


def _sorted(t: np.ndarray, dev: np.ndarray) -> bool:
    if len(t) < 2:
        return True
    dt = np.diff(t)
    return bool((dt > 0).all() or ((dt >= 0).all() and (np.diff(dev)[dt == 0] > 0).all()))


def _group_bounds(*keys: np.ndarray) -> np.ndarray:
    """Start indices of runs of equal key tuples in already sorted columns, plus the end."""
    n = len(keys[0])
    if n == 0:
        return np.zeros(1, dtype=np.int64)
    change = np.zeros(n - 1, dtype=bool)
    for k in keys:
        change |= k[1:] != k[:-1]
    inner = np.flatnonzero(change) + 1
    out = np.empty(len(inner) + 2, dtype=np.int64)
    out[0], out[-1] = 0, n
    out[1:-1] = inner
    return out


class PatrolDetector:
    def __init__(self, places: PlaceIndex, device_names: list[str], settings: PatrolSettings | None = None):
        self.places = places
        self.names = device_names  # shared and may grow: device index -> device id
        self.settings = settings or PatrolSettings()
        self.watermark = -math.inf
        self.late_dropped = 0
        self._pruned_at = -math.inf
        self._visits = _Series()  # (unit, point version) -> inside-times
        self._passes = _Series()  # (unit, line version) -> in-corridor times, value: metres along the line
        self._joint = _Series()  # pair -> together steps, value: the city device
        self._samples: dict[int, tuple[np.ndarray, ...]] = {}  # step -> (side, t, dev, x, y, ok) by side
        self._together: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # step -> (pair, pdev, cdev)

    # -- the one entry point ------------------------------------------------------------

    def add(self, batch: FixBatch) -> Delta:
        s = self.settings
        keep = np.isfinite(batch.t) & np.isfinite(batch.lon) & np.isfinite(batch.lat)
        if batch.accuracy is not None:
            keep &= ~(batch.accuracy > s.max_accuracy_m)
        horizon = self.watermark - s.late_horizon_h * 3600.0
        late = batch.t < horizon
        self.late_dropped += int((late & keep).sum())
        keep &= ~late
        if not keep.all():
            batch = batch.take(np.flatnonzero(keep))
        delta = Delta()
        if not len(batch):
            return delta
        self.watermark = max(self.watermark, float(batch.t.max()))
        x, y = self.places.project(batch.lon, batch.lat)
        near = self.places.near(x, y)
        sides = (batch.side > 0) & (batch.unit >= 0)
        # Shapely geometries only for fixes whose cell touches a place's zone.
        want = ((near & 3) > 0) | (((near & 4) > 0) & sides)
        geoms = np.empty(len(x), dtype=object)
        geoms[want] = shapely.points(x[want], y[want])
        self._add_visits(batch, geoms, x, y, np.flatnonzero(near & 1), delta)
        self._add_passes(batch, geoms, np.flatnonzero(near & 2), delta)
        self._add_joint(batch, geoms, x, y, near, sides, delta)
        if self.watermark - self._pruned_at > 600:
            self._prune(self.watermark - s.late_horizon_h * 3600.0)
        return delta

    def events(self) -> list[Event]:
        """Every event currently held (all of them, for a detector that never pruned)."""
        out = [e for series in (self._visits, self._passes, self._joint) for evs in series.emitted.values()
               for e in evs]
        return sorted(out)

    # -- check-ins ------------------------------------------------------------------------

    def _add_visits(self, b: FixBatch, geoms, x, y, cand: np.ndarray, delta: Delta) -> None:
        i, j = self.places.point_hits(geoms[cand], x[cand], y[cand], b.t[cand])
        i = cand[i]
        has_unit = b.unit[i] >= 0
        i, j = i[has_unit], j[has_unit]
        if not len(i):
            return
        units = b.unit[i]
        order = np.lexsort((b.device[i], b.t[i], j, units))
        i, j, units = i[order], j[order], units[order]
        bounds = _group_bounds(units, j)
        gap = self.settings.bridge_gap_s
        dwell = self.places.point_dwell
        for a, z in zip(bounds[:-1], bounds[1:]):
            unit, version = int(units[a]), int(j[a])
            key = (unit, version)
            idx = i[a:z]
            t, dev, _ = self._visits.merge(key, b.t[idx], b.device[idx], np.zeros(len(idx)))
            first, last = clusters(t, gap)
            code = self.places.point_codes[version]
            stayed = t[last] - t[first] >= dwell[version]
            events = [Event("checkin", code, unit, float(t[f]), float(t[l]), self.names[dev[f]])
                      for f, l in zip(first[stayed].tolist(), last[stayed].tolist())]
            self._visits.replace(key, events, delta)

    # -- line passes ----------------------------------------------------------------------

    def _add_passes(self, b: FixBatch, geoms, cand: np.ndarray, delta: Delta) -> None:
        i, j, along = self.places.line_hits(geoms[cand], b.t[cand])
        i = cand[i]
        has_unit = b.unit[i] >= 0
        i, j, along = i[has_unit], j[has_unit], along[has_unit]
        if not len(i):
            return
        units = b.unit[i]
        order = np.lexsort((b.device[i], b.t[i], j, units))
        i, j, along, units = i[order], j[order], along[order], units[order]
        bounds = _group_bounds(units, j)
        gap = self.settings.bridge_gap_s
        for a, z in zip(bounds[:-1], bounds[1:]):
            unit, version = int(units[a]), int(j[a])
            key = (unit, version)
            idx = i[a:z]
            t, dev, val = self._passes.merge(key, b.t[idx], b.device[idx], along[a:z])
            first, last = clusters(t, gap)
            code = self.places.line_codes[version]
            buf, length = float(self.places.line_buffer[version]), float(self.places.line_length[version])
            events = []
            for f, l in zip(first, last):
                part = val[f:l + 1]
                events.append(Event("pass", code, unit, float(t[f]), float(t[l]), self.names[dev[f]],
                                    span_from_m=round(max(0.0, float(part.min()) - buf), 2),
                                    span_to_m=round(min(length, float(part.max()) + buf), 2)))
            self._passes.replace(key, events, delta)

    # -- joint patrols --------------------------------------------------------------------

    def _add_joint(self, b: FixBatch, geoms, x, y, near, sides, delta: Delta) -> None:
        s = self.settings
        m = np.flatnonzero(sides)
        if not len(m):
            return
        step = s.joint_step_s
        ok = np.ones(len(m), dtype=bool)
        cand = np.flatnonzero(near[m] & 4)
        if len(cand):
            ok[cand] = ~self.places.at_station(geoms[m[cand]])
        bucket = np.floor(b.t[m] / step).astype(np.int64)
        side = b.unit[m] * _SIDE_BITS + b.side[m].astype(np.int64)
        t, dev, xs, ys = b.t[m], b.device[m], x[m], y[m]
        # The newest fix per (step, side); ties go to the higher device index, as everywhere.
        order = np.lexsort((dev, t, side, bucket))
        bucket, side, t, dev, xs, ys, ok = (c[order] for c in (bucket, side, t, dev, xs, ys, ok))
        last = _group_bounds(bucket, side)[1:] - 1
        bucket = bucket[last]
        cols = tuple(c[last] for c in (side, t, dev, xs, ys, ok))
        bounds = _group_bounds(bucket)
        starts, ends = bounds[:-1], bounds[1:]
        keys = bucket[starts]
        seen = np.fromiter((int(k) in self._samples for k in keys), dtype=bool, count=len(keys))
        merged: dict[int, np.ndarray] = {}  # steps seen before -> the sides whose sample changed
        for n in np.flatnonzero(seen):
            k = int(keys[n])
            old = self._samples[k]
            new = _newest_per_side(old, tuple(c[starts[n]:ends[n]] for c in cols))
            at = np.minimum(np.searchsorted(old[0], new[0]), len(old[0]) - 1)
            same = (old[0][at] == new[0]) & (old[1][at] == new[1]) & (old[2][at] == new[2])
            if same.all():
                continue  # nothing newer arrived for this step
            self._samples[k] = new
            merged[k] = new[0][~same]
        for n in np.flatnonzero(~seen):
            self._samples[int(keys[n])] = tuple(c[starts[n]:ends[n]] for c in cols)
        fresh = np.repeat(~seen, ends - starts)
        step_col = np.concatenate([bucket[fresh]] + [np.full(len(self._samples[k][0]), k) for k in merged])
        sample_cols = tuple(np.concatenate([cols[c][fresh]] + [self._samples[k][c] for k in merged])
                            for c in range(6))
        # Only pairs with a side whose sample changed can change: in a fresh step, every side.
        focus = np.concatenate([np.ones(int(fresh.sum()), dtype=bool)]
                               + [np.isin(self._samples[k][0], merged[k]) for k in merged])
        r_step, r_pair, r_pdev, r_cdev = _together_pairs(step_col, sample_cols, s.joint_distance_m, focus)
        rb = _group_bounds(r_step)
        empty = (np.zeros(0, np.int64),) * 3
        dropped: dict[int, list[int]] = {}
        changed_rows = np.zeros(len(r_step), dtype=bool)
        new_rows = {int(r_step[a]): (a, z) for a, z in zip(rb[:-1], rb[1:]) if z > a}
        for k, moved in merged.items():  # keep the rows of pairs whose sides did not move; compare the rest
            a, z = new_rows.get(k, (0, 0))
            old = self._together.get(k, empty)
            touched = np.isin(old[0] >> _PAIR_SHIFT, moved) | np.isin(old[0] & _CITY_MASK, moved)
            focused = (r_pair[a:z], r_pdev[a:z], r_cdev[a:z])
            changed = _changed_pairs(tuple(c[touched] for c in old), focused)
            for pair in changed:
                dropped.setdefault(pair, []).append(k)
            if z > a:
                changed_rows[a:z] = np.isin(r_pair[a:z], changed)
            kept = tuple(np.concatenate((c[~touched], f)) for c, f in zip(old, focused))
            order = np.argsort(kept[0], kind="stable")
            if len(order):
                self._together[k] = tuple(c[order] for c in kept)
            else:
                self._together.pop(k, None)
        for k, (a, z) in new_rows.items():
            if k not in merged:
                self._together[k] = (r_pair[a:z], r_pdev[a:z], r_cdev[a:z])
                changed_rows[a:z] = True
        rows = np.flatnonzero(changed_rows)
        if not len(rows) and not dropped:
            return
        pairs, steps_, pdevs, cdevs = r_pair[rows], r_step[rows], r_pdev[rows], r_cdev[rows]
        order = np.lexsort((steps_, pairs))
        pairs, steps_, pdevs, cdevs = pairs[order], steps_[order], pdevs[order], cdevs[order]
        groups = _group_bounds(pairs)
        adds = {int(pairs[a]): (a, z) for a, z in zip(groups[:-1], groups[1:]) if z > a}
        gap_steps = joint_gap_steps(s)
        min_steps = s.joint_min_minutes * 60.0 / step
        none = np.zeros(0)
        for pair in adds.keys() | dropped.keys():
            a, z = adds.get(pair, (0, 0))
            drop = dropped.get(pair)
            bt, pd, cd = self._joint.merge(pair, steps_[a:z].astype(float), pdevs[a:z], cdevs[a:z].astype(float),
                                           drop_t=np.array(drop, dtype=float) if drop else none)
            first, lastidx = clusters(bt, gap_steps)
            police, city = pair >> _PAIR_SHIFT, pair & _CITY_MASK
            long_enough = bt[lastidx] - bt[first] + 1 >= min_steps  # one numpy test, not one per run
            events = [Event("joint", None, police // _SIDE_BITS, float(bt[f] * step), float((bt[l] + 1) * step),
                            self.names[pd[f]], city // _SIDE_BITS, self.names[int(cd[f])])
                      for f, l in zip(first[long_enough].tolist(), lastidx[long_enough].tolist())]
            self._joint.replace(pair, events, delta)

    # -- memory ----------------------------------------------------------------------------

    def _prune(self, before: float) -> None:
        self._pruned_at = self.watermark
        gap = self.settings.bridge_gap_s
        self._visits.prune(before, gap)
        self._passes.prune(before, gap)
        step = self.settings.joint_step_s
        self._joint.prune(before / step, joint_gap_steps(self.settings))
        first_step = math.floor(before / step)
        for table in (self._samples, self._together):
            for k in [k for k in table if k < first_step]:
                del table[k]


def joint_gap_steps(settings: PatrolSettings) -> float:
    """Steps b and b + n are one run when the n - 1 steps missing between them last ≤ the bridge."""
    return settings.bridge_gap_s / settings.joint_step_s + 1


def _newest_per_side(old: tuple, new: tuple) -> tuple:
    cols = tuple(np.concatenate((o, n)) for o, n in zip(old, new))
    side, t, dev = cols[0], cols[1], cols[2]
    order = np.lexsort((dev, t, side))
    cols = tuple(c[order] for c in cols)
    bounds = _group_bounds(cols[0])
    return tuple(c[bounds[1:] - 1] for c in cols)


def _together_pairs(step: np.ndarray, samples: tuple, distance: float, focus: np.ndarray):
    """Rows (step, pair, police device, city device), sorted by (step, pair), of police and
    city sides within ``distance`` in the same step, both away from stations, at least
    one of them in ``focus``.

    A grid hash join: cells as wide as ``distance``; the focused police sides are entered
    in their 3 × 3 cells and every city side looked up in its own, then the focused city
    sides against the other police sides; then the exact distance."""
    side, _, dev, x, y, ok = samples
    kind = side % _SIDE_BITS
    police, city = ok & (kind == POLICE), ok & (kind == CITY)
    empty = np.zeros(0, dtype=np.int64)
    if not police.any() or not city.any():
        return empty, empty, empty, empty
    cx = np.floor(x / distance).astype(np.int64)
    cy = np.floor(y / distance).astype(np.int64)
    cx0, cy0, s0 = cx.min() - 1, cy.min() - 1, step.min()
    ny = int(cy.max() - cy0 + 2)
    nxy = int(cx.max() - cx0 + 2) * ny
    cell = (step - s0) * nxy + (cx - cx0) * ny + (cy - cy0)
    offsets = np.array([dx * ny + dy for dx in (-1, 0, 1) for dy in (-1, 0, 1)], dtype=np.int64)
    p1, c1 = _cell_join(cell, offsets, np.flatnonzero(police & focus), np.flatnonzero(city))
    c2, p2 = _cell_join(cell, offsets, np.flatnonzero(city & focus), np.flatnonzero(police & ~focus))
    p, c = np.concatenate((p1, p2)), np.concatenate((c1, c2))
    near = np.hypot(x[p] - x[c], y[p] - y[c]) <= distance
    p, c = p[near], c[near]
    pair = (side[p] << _PAIR_SHIFT) | side[c]
    order = np.lexsort((pair, step[p]))
    return step[p][order], pair[order], dev[p][order], dev[c][order]


def _cell_join(cell: np.ndarray, offsets: np.ndarray, indexed: np.ndarray, queries: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """(indexed row, query row) for every query whose cell is one of the 3 × 3 around an indexed row's."""
    empty = np.zeros(0, dtype=np.int64)
    if not len(indexed) or not len(queries):
        return empty, empty
    keys = (cell[indexed][:, None] + offsets[None, :]).ravel()
    rows = np.repeat(indexed, len(offsets))
    order = np.argsort(keys, kind="stable")
    keys, rows = keys[order], rows[order]
    lo = np.searchsorted(keys, cell[queries], "left")
    counts = np.searchsorted(keys, cell[queries], "right") - lo
    total = int(counts.sum())
    if not total:
        return empty, empty
    pos = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(lo, counts)
    return rows[pos], np.repeat(queries, counts)


def _changed_pairs(old: tuple, new: tuple) -> list[int]:
    """Pairs whose together-ness or representative devices differ between two steps' rows."""
    if len(old[0]) == len(new[0]) and all(np.array_equal(a, b) for a, b in zip(old, new)):
        return []
    before = {int(p): (int(d), int(c)) for p, d, c in zip(*old)}
    after = {int(p): (int(d), int(c)) for p, d, c in zip(*new)}
    return [p for p in before.keys() | after.keys() if before.get(p) != after.get(p)]

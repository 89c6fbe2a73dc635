"""One frame of a training replay: every unit, incident and dispatch as it stood at a
replay time T. Pure.

``ReplaySource`` puts together what the replay window loaded once — the roster (who
each unit is, as stored now), the window's fixes (``core.playback.PositionIndex``)
and its incidents (``core.replay_state.History``) — and answers, for any T, the
units with their fix and status at T (the live views take ``UnitInfo`` as they are),
the incidents and dispatches at T, and the lines from each committed unit to its
incident. Every view of the replay window is fed from it, so the map, the incident
list, the units board and the unit card always agree on T.
"""
from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from core.incidents import IncidentSnapshot
from core.playback import PositionIndex, ms, unit_fixes
from core.replay_state import History, HistoryState, Tick, state_at, ticks
from core.units import UnitInfo

__all__ = ["DispatchLine", "ReplayFrame", "ReplayRequest", "ReplaySource", "check_request"]


@dataclass(frozen=True)
class ReplayRequest:
    """What to replay: the window [start, end], or the window around one incident (number or id)."""

    start: datetime | None = None
    end: datetime | None = None
    incident: str | None = None


def check_request(request: ReplayRequest) -> str | None:
    """None, or one line naming the field that is wrong."""
    if request.incident is not None:
        return None if request.incident.strip() else "incident: give an incident number or id"
    if request.start is None or request.end is None:
        return "from: a replay needs a start and an end (or an incident)"
    if request.start.tzinfo is None or request.end.tzinfo is None:
        return "from: replay times need a time zone"
    if request.end <= request.start:
        return "to: must be after from"
    return None


@dataclass(frozen=True)
class DispatchLine:
    """A unit committed to an incident at T, from where the unit was to the incident (WGS84)."""

    dispatch_id: int
    incident_id: int
    unit_id: int
    callsign: str
    status: str  # dispatched | en_route | on_scene
    unit_lon: float
    unit_lat: float
    incident_lon: float
    incident_lat: float


@dataclass(frozen=True)
class ReplayFrame:
    at: datetime
    units: dict[int, UnitInfo]  # unit id -> the unit with its fix and status at T
    history: HistoryState
    lines: list[DispatchLine]

    @property
    def incidents(self) -> list[IncidentSnapshot]:
        return self.history.incidents


class ReplaySource:
    def __init__(self, roster: Iterable[UnitInfo], index: PositionIndex, history: History,
                 checkins: Iterable[datetime] = ()):
        """``checkins``: when patrol check-ins at must-visit points began (the stored patrol
        events), ticks on the timeline beside the incidents' events."""
        # Who each unit is; its fix and status come from the replay time, never from now.
        self.roster = {u.unit_id: u for u in roster}
        self.index = index
        self.history = history
        self.ticks: list[Tick] = sorted([*ticks(history), *(Tick(at, "checkin") for at in checkins
                                                             if history.start <= at <= history.end)])
        self.tick_times: list[datetime] = [t.at for t in self.ticks]
        self.intakes: list[tuple[datetime, int]] = sorted((i.received_at, i.id) for i in history.incidents
                                                          if history.start <= i.received_at <= history.end)
        self._code_of_device = {name: code for code, name in enumerate(index.devices)}

    @property
    def start(self) -> datetime:
        return self.history.start

    @property
    def end(self) -> datetime:
        return self.history.end

    def status_at(self, unit: UnitInfo, committed: dict[int, str]) -> str:
        """A unit's status at T: committed to an incident then, else available (off duty
        stays off duty: duty is not replayed), as ``db.drill_ops.ranking_at_intake`` rules."""
        return committed.get(unit.unit_id, "off_duty" if unit.status == "off_duty" else "available")

    def units_at(self, at: datetime, committed: dict[int, str]) -> dict[int, UnitInfo]:
        """Every unit with a fix by ``at``, placed and with its status as of ``at``."""
        fixes = unit_fixes(self.index.at(ms(at)), self.index.devices)
        out = {}
        for unit_id, fix in fixes.items():
            unit = self.roster.get(unit_id)
            if unit is None:
                continue  # a unit removed since: its devices' history has no one to show
            status = self.status_at(unit, committed)
            placed = unit.with_fix(fix)
            if status != unit.status:
                placed = UnitInfo(unit.unit_id, unit.callsign, unit.name, unit.agency, unit.force, unit.tier,
                                  unit.travel_mode, status, unit.grid_code, unit.members, unit.kit, unit.devices, fix)
            out[unit_id] = placed
        return out

    def frame(self, at: datetime) -> ReplayFrame:
        history = state_at(self.history, at)
        units = self.units_at(at, history.unit_status)
        by_id = {i.id: i for i in history.incidents}
        lines = []
        for d in history.dispatches:
            unit, incident = units.get(d.unit_id), by_id.get(d.incident_id)
            if d.released_at is not None or unit is None or incident is None or unit.last_fix is None:
                continue
            lines.append(DispatchLine(d.id, d.incident_id, d.unit_id, d.callsign, history.unit_status.get(d.unit_id, ""),
                                      unit.last_fix.lon, unit.last_fix.lat, incident.lon, incident.lat))
        return ReplayFrame(at=at, units=units, history=history, lines=lines)

    def trail(self, unit: UnitInfo, at: datetime, minutes: float) -> list[tuple[float, float, int]]:
        """(lon, lat, epoch ms) of the unit's placing device over the last ``minutes`` up to ``at``."""
        if unit.last_fix is None or unit.last_fix.device_id not in self._code_of_device:
            return []
        code = self._code_of_device[unit.last_fix.device_id]
        times, lon, lat = self.index.trail(code, ms(at), int(minutes * 60_000))
        return list(zip(lon.tolist(), lat.tolist(), times.tolist()))

    def intakes_between(self, after: datetime, upto: datetime) -> list[int]:
        """Incidents received in ``(after, upto]``, oldest first."""
        lo = bisect.bisect_right(self.intakes, (after, float("inf")))
        hi = bisect.bisect_right(self.intakes, (upto, float("inf")))
        return [incident_id for _, incident_id in self.intakes[lo:hi]]

    def intake_of(self, incident_id: int) -> datetime | None:
        return next((at for at, i in self.intakes if i == incident_id), None)


def tick_positions(tick_times: Sequence[datetime], start: datetime, end: datetime) -> list[float]:
    """Where each tick lies along the window, 0..1 (the timeline bar draws them)."""
    span = (end - start).total_seconds() or 1.0
    return [(t - start).total_seconds() / span for t in tick_times]

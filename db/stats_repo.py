"""A period's figures and series read from the database: the counts are SQL aggregates
(GROUP BY, SUM(CASE …)) on either database; the definitions are core.stats. Joint
patrols, check-ins and line passes are the events patrol detection stored
(patrol_events), never recomputed from fixes here.

``period_figures`` is exactly the `gridcommand stats --json` object;
``load_period_report`` adds the day-by-day series the report and the statistics dock draw."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from core import stats
from core.patrol_places import line_length_m
from core.patrol_rules import parse_windows
from core.patrol_status import VISITED, PointDuty, Visit, coverage_pct, point_slots, slot_state
from core.period_report import PeriodReport, PeriodSeries
from db.duty_ops import shift_rule
from db.models import (Commendation, Dispatch, Grid, Incident, MustVisitPoint, PatrolEvent, PatrolFinding,
                       PatrolLine, Shift, Unit, WorkOrder)
from db.types import UtcDateTime
from db.workorders_repo import light_expressions

UTC = timezone.utc
I, D, U, W, F, E = Incident, Dispatch, Unit, WorkOrder, PatrolFinding, PatrolEvent.__table__


def _when(value: datetime):
    return literal(value, UtcDateTime())


class _Period:
    """One period of one grid (or the city): the shared filters every figure uses."""

    def __init__(self, session: Session, start: date, end: date, grid_code: str | None, zone: str,
                 now: datetime | None):
        stats.check_period(start, end)
        try:
            ZoneInfo(zone)
        except Exception:
            raise stats.PeriodError("time_zone", f"unknown time zone {zone!r}") from None
        self.session, self.start, self.end, self.zone = session, start, end, zone
        self.a, self.b = stats.utc_bounds(start, end, zone)
        self.now = now or datetime.now(UTC)
        self.grid_id, self.grid_name = None, None
        if grid_code is not None:
            row = session.execute(select(Grid.id, Grid.name).where(Grid.code == grid_code)).first()
            if row is None:
                raise stats.PeriodError("--grid", f"no grid with code {grid_code!r}")
            self.grid_id, self.grid_name = row
        self.grid_code = grid_code
        self.dialect = session.get_bind().dialect.name

    def in_grid(self, column):
        return column == self.grid_id if self.grid_id is not None else literal(True)

    # -- local days ----------------------------------------------------------------

    def day_counts(self, column, *where) -> dict[date, int]:
        """Rows per local day of ``column`` (a UTC time). PostgreSQL converts to the zone
        itself; SQLite counts per UTC hour and the hours are put on their local day here
        (exact for every zone whose offset is whole hours, China's included)."""
        if self.dialect == "postgresql":
            day = func.date(func.timezone(self.zone, column))
            return {d: n for d, n in self.session.execute(select(day, func.count()).where(*where).group_by(day))}
        hour = func.strftime("%Y-%m-%d %H", column)
        tz, out = ZoneInfo(self.zone), Counter()
        for text, n in self.session.execute(select(hour, func.count()).where(*where).group_by(hour)):
            local = datetime.strptime(text, "%Y-%m-%d %H").replace(tzinfo=UTC).astimezone(tz)
            out[local.date()] += n
        return dict(out)

    def seconds_between(self, early, late):
        if self.dialect == "postgresql":
            return func.extract("epoch", late - early)
        return (func.julianday(late) - func.julianday(early)) * 86400.0

    # -- incidents -------------------------------------------------------------------

    def counted(self):
        """Incidents that count: not a drill, not an invalid call, in the grid."""
        return and_(I.drill.is_(False), I.state.not_in(stats.NOT_COUNTED_STATES), self.in_grid(I.grid_id))

    def nearest_dispatch(self):
        """就近处警: a 110 incident the grid's own patrol group handled, sent from the
        nearest-unit ranking (the dispatch carries the ranking's ETA) and arrived."""
        return and_(I.source == stats.NEAREST_DISPATCH_SOURCE, exists().where(
            D.incident_id == I.id, D.eta_s.is_not(None), D.arrived_at.is_not(None), U.id == D.unit_id,
            U.force == stats.GRID_PATROL_FORCE, U.grid_id == I.grid_id))

    def incident_figures(self) -> dict[str, Any]:
        def count_if(cond):
            return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

        # One range query per period, so each reads only its own month through the time index.
        row = self.session.execute(select(
            func.count(), count_if(self.nearest_dispatch()), count_if(I.accident_on_scene.is_(True)),
            func.coalesce(func.sum(I.rescued), 0), func.coalesce(func.sum(I.property_recovered_cny), 0.0),
            count_if(I.mediated.is_(True)),
        ).where(self.counted(), I.received_at >= _when(self.a), I.received_at < _when(self.b))).one()
        keys = ("incidents", "dispatches", "accidents_on_scene", "rescued", "property_recovered_cny", "mediations")
        out = {k: (float(v) if k == "property_recovered_cny" else int(v)) for k, v in zip(keys, row)}
        for key, (first, last) in (("incidents_yoy_base", stats.yoy_base(self.start, self.end)),
                                   ("incidents_mom_base", stats.mom_base(self.start, self.end))):
            a, b = stats.utc_bounds(first, last, self.zone)
            out[key] = int(self.session.scalar(select(func.count()).select_from(I).where(
                self.counted(), I.received_at >= _when(a), I.received_at < _when(b))))
        return out

    def arrival_seconds(self) -> list[float]:
        secs = self.seconds_between(I.dispatched_at, I.on_scene_at)
        rows = self.session.execute(select(secs).where(
            self.counted(), I.received_at >= _when(self.a), I.received_at < _when(self.b),
            I.dispatched_at.is_not(None), I.on_scene_at.is_not(None)))
        return sorted(round(float(s), 3) for (s,) in rows if s is not None and s >= 0)

    # -- findings, commendations, work orders ------------------------------------------

    def findings(self) -> tuple[int, int]:
        found, handed = self.session.execute(select(
            func.count(), func.coalesce(func.sum(case((F.outcome == "handed_over", 1), else_=0)), 0)).where(
            F.found_at >= _when(self.a), F.found_at < _when(self.b), self.in_grid(F.grid_id))).one()
        return int(found), int(handed)

    def commendations(self) -> int:
        query = select(func.count()).select_from(Commendation).where(
            Commendation.day >= self.start, Commendation.day <= self.end)
        if self.grid_id is not None:
            query = query.join(U, U.id == Commendation.unit_id).where(U.grid_id == self.grid_id)
        return int(self.session.scalar(query))

    def workorders(self) -> tuple[int, int, int]:
        closed = W.closed_at.is_not(None)
        on_time = and_(closed, W.closed_at <= W.resolve_due)
        row = self.session.execute(select(
            func.count(), func.coalesce(func.sum(case((closed, 1), else_=0)), 0),
            func.coalesce(func.sum(case((on_time, 1), else_=0)), 0)).where(
            W.issued_at >= _when(self.a), W.issued_at < _when(self.b), self.in_grid(W.grid_id))).one()
        return int(row[0]), int(row[1]), int(row[2])

    def workorders_by_light(self) -> tuple[tuple[str, int], ...]:
        """Orders issued in the period: closed, cancelled, or their light at the period's end (or now)."""
        light = light_expressions(min(self.b, self.now)).light
        kind = case((W.status == "closed", "closed"), (W.status == "cancelled", "cancelled"), else_=light)
        rows = dict(self.session.execute(select(kind, func.count()).where(
            W.issued_at >= _when(self.a), W.issued_at < _when(self.b), self.in_grid(W.grid_id)).group_by(kind)).all())
        return tuple((k, int(rows.get(k, 0))) for k in ("green", "yellow", "red", "closed", "cancelled"))

    # -- patrol events -------------------------------------------------------------------

    def grid_units(self) -> list[int] | None:
        if self.grid_id is None:
            return None
        return list(self.session.scalars(select(U.id).where(U.grid_id == self.grid_id)))

    def joint_where(self):
        where = [E.c.kind == "joint", E.c.start_at >= _when(self.a), E.c.start_at < _when(self.b)]
        units = self.grid_units()
        if units is not None:  # a joint patrol belongs to a grid if either side's unit does
            where.append(or_(E.c.unit_id.in_(units or [-1]), E.c.other_unit_id.in_(units or [-1])))
        return where

    def joint_patrols(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(E).where(*self.joint_where())))

    def _overlapping(self, model):
        return and_(model.valid_from < _when(self.b), or_(model.valid_to.is_(None), model.valid_to > _when(self.a)),
                    self.in_grid(model.grid_id))

    def visibility(self) -> tuple[int, int]:
        """(slots met, slots due) over must-visit point × time-window slots that lie in the
        period, lie within the point's validity, and have ended by now."""
        points = list(self.session.scalars(select(MustVisitPoint).where(self._overlapping(MustVisitPoint))))
        if not points:
            return 0, 0
        shifts = [shift_rule(s) for s in self.session.scalars(select(Shift).where(
            Shift.valid_from < _when(self.b), or_(Shift.valid_to.is_(None), Shift.valid_to > _when(self.a))))
            if s.valid_to is None]
        codes = sorted({p.code for p in points})
        visits = defaultdict(list)
        for code, unit, device, start_at, end_at in self.session.execute(select(
                E.c.place_code, E.c.unit_id, E.c.device_id, E.c.start_at, E.c.end_at).where(
                E.c.kind == "checkin", E.c.place_code.in_(codes), E.c.start_at < _when(self.b),
                E.c.end_at >= _when(self.a))):
            visits[code].append(Visit(code, str(unit), device, start_at, end_at))
        met = due = 0
        limit = min(self.b, self.now)
        for p in points:
            lon, lat = p.geometry["coordinates"][:2]
            duty = PointDuty(p.code, p.name, None, lon, lat, p.radius_m, tuple(parse_windows(p.time_windows)),
                             p.visits_per_shift)
            lo, hi = max(self.a, p.valid_from), min(limit, p.valid_to or limit)
            for slot in point_slots(duty, shifts, lo, hi, self.zone):
                if slot.start >= lo and slot.end <= hi:
                    due += 1
                    met += slot_state(slot, visits.get(p.code, ()), self.now) == VISITED
        return met, due

    def line_coverages(self) -> list[float]:
        """Per line in force and local day of the period: the percent its passes covered."""
        lines = list(self.session.scalars(select(PatrolLine).where(self._overlapping(PatrolLine))))
        if not lines:
            return []
        tz = ZoneInfo(self.zone)
        spans: dict[tuple[str, date], list[tuple[float, float]]] = defaultdict(list)
        for code, start_at, lo, hi in self.session.execute(select(
                E.c.place_code, E.c.start_at, E.c.span_from_m, E.c.span_to_m).where(
                E.c.kind == "pass", E.c.place_code.in_(sorted({x.code for x in lines})),
                E.c.start_at >= _when(self.a), E.c.start_at < _when(self.b))):
            spans[(code, start_at.astimezone(tz).date())].append((lo, hi))
        lengths = {line.id: line_length_m(line.geometry["coordinates"]) for line in lines}
        out = []
        for day in stats.local_days(self.start, self.end):
            day_a, day_b = stats.utc_bounds(day, day, self.zone)
            if day_b > self.now:
                continue  # a day not over yet is not judged
            for line in lines:
                if line.valid_from < day_b and (line.valid_to is None or line.valid_to > day_a):
                    out.append(coverage_pct(lengths[line.id], spans.get((line.code, day), ())))
        return out

    # -- the whole -----------------------------------------------------------------------

    def figures(self, arrivals: list[float] | None = None) -> dict[str, Any]:
        inc = self.incident_figures()
        found, handed = self.findings()
        met, due = self.visibility()
        issued, closed, on_time = self.workorders()
        return stats.assemble(
            incidents=inc["incidents"], incidents_yoy_base=inc["incidents_yoy_base"],
            incidents_mom_base=inc["incidents_mom_base"], dispatches=inc["dispatches"],
            accidents_on_scene=inc["accidents_on_scene"], problems_found=found, problems_handed_over=handed,
            rescued=inc["rescued"], property_recovered_cny=inc["property_recovered_cny"],
            mediations=inc["mediations"], commendations=self.commendations(), joint_patrols=self.joint_patrols(),
            visibility_met=met, visibility_slots=due, line_coverages=self.line_coverages(),
            arrival_seconds=self.arrival_seconds() if arrivals is None else arrivals,
            workorders_issued=issued, workorders_closed=closed, workorders_on_time=on_time)

    def series(self, arrivals: list[float]) -> PeriodSeries:
        days = stats.local_days(self.start, self.end)
        current = self.day_counts(I.received_at, self.counted(), I.received_at >= _when(self.a),
                                  I.received_at < _when(self.b))
        ys, ye = stats.yoy_base(self.start, self.end)
        ya, yb = stats.utc_bounds(ys, ye, self.zone)
        earlier = self.day_counts(I.received_at, self.counted(), I.received_at >= _when(ya),
                                  I.received_at < _when(yb))
        last_year = tuple(int(earlier.get(stats.yoy_base(d, d)[0], 0)) for d in days)
        categories = self.session.execute(select(I.category, func.count()).where(
            self.counted(), I.received_at >= _when(self.a), I.received_at < _when(self.b)).group_by(I.category)).all()
        joint = self.day_counts(E.c.start_at, *self.joint_where())
        return PeriodSeries(
            days=days, incidents_per_day=stats.per_day(days, current), incidents_per_day_last_year=last_year,
            response_seconds=tuple(arrivals),
            categories=tuple(sorted(((c, int(n)) for c, n in categories), key=lambda cn: (-cn[1], cn[0]))),
            joint_patrols_per_day=stats.per_day(days, joint), workorders_by_light=self.workorders_by_light())


def period_figures(session: Session, *, start: date, end: date, grid_code: str | None, time_zone: str,
                   now: datetime | None = None) -> dict[str, Any]:
    """Exactly the `gridcommand stats --json` object for local days start..end (inclusive)."""
    return _Period(session, start, end, grid_code, time_zone, now).figures()


def load_period_report(session: Session, *, start: date, end: date, grid_code: str | None, time_zone: str,
                       now: datetime | None = None) -> PeriodReport:
    """The figures and the series of the period, as one value (core.period_report)."""
    period = _Period(session, start, end, grid_code, time_zone, now)
    arrivals = period.arrival_seconds()
    return PeriodReport(start=start, end=end, grid_code=grid_code, grid_name=period.grid_name, time_zone=time_zone,
                        figures=period.figures(arrivals), series=period.series(arrivals))

import json
from importlib import resources

from sqlalchemy import func, select

from core import layers as L
from db.engine import session_factory
from db.models import AuditLog, CodeTable, Device, Grid, MustVisitPoint, Unit
from db.places_repo import layer_counts
from db.seed import seed_demo


def _demo(name):
    return json.loads(resources.files("resources").joinpath("demo", name).read_text(encoding="utf-8"))


def _row_counts(engine):
    with session_factory(engine)() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m))
                for m in (Grid, MustVisitPoint, Unit, Device, CodeTable)}


def test_seed_loads_every_demo_feature(seeded, engine):
    with session_factory(engine)() as s:
        counts = layer_counts(s)
    for layer in L.ALL_LAYERS:
        assert counts[layer] == len(_demo(f"{layer}.geojson")["features"]), layer
    roster = _demo("roster.json")["units"]
    rows = _row_counts(engine)
    assert rows["units"] == len(roster)
    assert rows["devices"] == sum(len(u["devices"]) for u in roster)
    assert rows["code_tables"] > 0


def test_seed_twice_duplicates_nothing(seeded, engine):
    before = _row_counts(engine)
    with session_factory(engine)() as s:
        audits = s.scalar(select(func.count()).select_from(AuditLog))
    report = seed_demo(seeded)
    assert not report.changed
    assert _row_counts(engine) == before
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog)) == audits


def test_seed_places_features_in_their_grids(seeded, engine):
    with session_factory(engine)() as s:
        g02 = s.scalar(select(Grid).where(Grid.code == "G02"))
        assert g02 is not None and "二网格" in g02.name
        unplaced = s.scalar(select(func.count()).select_from(MustVisitPoint).where(MustVisitPoint.grid_id.is_(None)))
        assert unplaced == 0
        units = s.scalars(select(Unit)).all()
        assert all(u.grid_id is not None for u in units if u.force == "grid_patrol")

"""A second workstation (a second engine on the same database) sees a fix and a
change soon after they are committed; on PostgreSQL a NOTIFY wakes it early."""
import threading
import time
from datetime import datetime, timezone

from core.fixes import Fix
from db.change_feed import ChangeFeed
from db.engine import make_engine, session_factory
from db.positions_repo import store_fixes


def _first_device(engine):
    from sqlalchemy import select

    from db.models import Device

    with session_factory(engine)() as s:
        d = s.scalars(select(Device).order_by(Device.device_id)).first()
        return d.device_id, d.unit_id


def test_second_engine_sees_a_committed_fix(seeded, engine, db_url):
    reader_engine = make_engine(db_url)
    feed = ChangeFeed(reader_engine)
    roster = feed.snapshot()
    assert roster and all(u.last_fix is None for u in roster)
    assert not feed.poll()
    device, unit_id = _first_device(engine)
    now = datetime.now(timezone.utc)
    with session_factory(engine)() as s, s.begin():
        store_fixes(s, [Fix(device_id=device, lat=32.68, lon=112.08, fix_time=now)], now=now)
    batch = feed.poll()
    assert set(batch.fixes) == {unit_id}
    assert batch.fixes[unit_id].lat == 32.68
    assert not feed.poll()  # nothing twice
    feed.close()
    reader_engine.dispose()


def test_changes_from_operations_reach_other_workstations(seeded, engine, db_url, tmp_path):
    import json

    from db.importer import import_file

    feed = ChangeFeed(make_engine(db_url))
    feed.snapshot()
    path = tmp_path / "p.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [112.08, 32.68]},
         "properties": {"name": "新点", "code": "PX"}}]}), encoding="utf-8")
    import_file(seeded, path, "points")
    assert feed.poll().kinds == {"points"}
    feed.close()


def test_notify_wakes_the_waiting_feed(seeded, engine, db_url):
    feed = ChangeFeed(make_engine(db_url))
    feed.snapshot()
    feed.wait(0.01)  # opens the LISTEN connection on PostgreSQL
    device, _ = _first_device(engine)

    def write_soon():
        time.sleep(0.3)
        now = datetime.now(timezone.utc)
        with session_factory(engine)() as s, s.begin():
            store_fixes(s, [Fix(device_id=device, lat=32.681, lon=112.081, fix_time=now)], now=now)

    writer = threading.Thread(target=write_soon)
    start = time.monotonic()
    writer.start()
    woke = feed.wait(5.0)
    waited = time.monotonic() - start
    writer.join()
    if engine.dialect.name == "postgresql":
        assert woke, "NOTIFY did not arrive"
    else:
        assert not woke  # SQLite has no NOTIFY: the feed sleeps its interval and polls
    assert feed.poll().fixes
    feed.close()

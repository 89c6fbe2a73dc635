"""The wall works with a database login that may only SELECT (the README's GRANTs)."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from core.daily_figures import local_day_start
from db.change_feed import ChangeFeed
from db.code_tables_repo import load_code_tables
from db.engine import session_factory
from db.places_repo import load_all_layers
from db.wall_repo import read_wall_data
from tests.wall_samples import ScratchPostgres

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)
pytestmark = pytest.mark.postgres


@pytest.fixture
def scratch(pg_database):
    db = ScratchPostgres(pg_database, NOW)
    yield db
    db.drop()


def test_every_read_of_the_wall_works_with_select_only(scratch):
    from core.settings import Settings
    from desktop.workspace import open_database, resolve_place

    engine = open_database(resolve_place(Settings(), scratch.reader_url))  # checks the schema, never migrates
    try:
        with session_factory(engine)() as session:
            assert load_code_tables(session)["level"]
            assert load_all_layers(session)["grids"]
            data = read_wall_data(session, local_day_start(NOW, "Asia/Shanghai"))
            assert scratch.ids["today_waiting"] in {i.id for i in data.incidents}
        feed = ChangeFeed(engine)
        assert feed.snapshot()  # the roster
        feed.poll()
        feed.wait(0.05)  # LISTEN needs no privilege
        feed.close()
        # …and the login really is read-only: a write is refused.
        with pytest.raises(ProgrammingError, match="permission denied"):
            with engine.begin() as conn:
                conn.execute(text("UPDATE incidents SET level = 'general'"))
    finally:
        engine.dispose()

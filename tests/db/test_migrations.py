from sqlalchemy import inspect

from db.engine import make_engine
from db.migrate import current_revision, head_revision, is_up_to_date, upgrade
from db.models import Base


def test_upgrade_from_empty_creates_every_table(db_url):
    engine = make_engine(db_url)
    assert current_revision(engine) is None
    assert upgrade(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
    assert is_up_to_date(engine)
    engine.dispose()


def test_upgrade_twice_is_a_no_op(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    assert upgrade(engine) == head_revision()
    engine.dispose()


def test_schema_matches_models(engine):
    """The migration creates exactly the columns the models declare."""
    insp = inspect(engine)
    for name, table in Base.metadata.tables.items():
        assert {c["name"] for c in insp.get_columns(name)} == set(table.columns.keys()), name


def test_the_fast_head_check_agrees_with_alembic():
    """Start-up reads the head from the migration files without importing Alembic."""
    from db.migrate import head_revision_fast

    assert head_revision_fast() == head_revision()


def test_an_up_to_date_database_is_not_touched_by_alembic(db_url, monkeypatch):
    engine = make_engine(db_url)
    upgrade(engine)
    import alembic.command

    monkeypatch.setattr(alembic.command, "upgrade", lambda *a, **k: (_ for _ in ()).throw(AssertionError("called")))
    assert upgrade(engine) == head_revision()
    engine.dispose()

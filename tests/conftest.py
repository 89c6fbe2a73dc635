"""Shared fixtures: an isolated home for settings and data, and databases of both kinds.

Database tests take the ``db_url`` fixture and so run against SQLite and PostgreSQL.
Under CI=true a PostgreSQL that cannot be reached fails the tests instead of skipping them."""
from __future__ import annotations

import os
import tempfile
import uuid

import pytest

# Nothing a test does may touch the real user's settings or data.
os.environ["GRIDCOMMAND_HOME"] = tempfile.mkdtemp(prefix="gridcommand-test-home-")
os.environ.pop("GRIDCOMMAND_DB", None)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PG_ADMIN_URL = os.environ.get("GRIDCOMMAND_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _pg_unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"PostgreSQL is required under CI but unavailable: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL unavailable: {reason}")


@pytest.fixture(scope="session")
def pg_database():
    """A scratch PostgreSQL database for this test session, dropped at the end."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from db.engine import normalize_url

    admin_url = normalize_url(PG_ADMIN_URL)
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            name = f"gridcommand_test_{uuid.uuid4().hex[:10]}"
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any driver or network error means "unavailable"
        _pg_unavailable(str(exc).splitlines()[0])
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """An empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite'}"
        return
    from sqlalchemy import create_engine, text

    url = request.getfixturevalue("pg_database")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    yield url


@pytest.fixture
def engine(db_url):
    from db.engine import make_engine
    from db.migrate import upgrade

    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def runner(engine):
    from db.operations import Actor, OperationRunner

    return OperationRunner(engine, Actor(user="tester", workstation="ws-test"))


@pytest.fixture
def seeded(runner):
    from db.seed import seed_demo

    seed_demo(runner)
    return runner


# ---------------------------------------------------------------- hypothesis profiles
# CI: derandomised (the same examples on every run, so a red build is reproducible) and
# a stated number of examples; "dev" (the default elsewhere) is random with the same
# count; "thorough" digs ten times deeper before a release:
#   HYPOTHESIS_PROFILE=thorough .venv/bin/python -m pytest tests/core tests/feeds
# Tests set only ``deadline`` (and what they must), never ``max_examples``: the profile decides.
from hypothesis import HealthCheck, settings as hypothesis_settings  # noqa: E402

HYPOTHESIS_EXAMPLES = {"ci": 200, "dev": 200, "thorough": 2000}
hypothesis_settings.register_profile("ci", max_examples=HYPOTHESIS_EXAMPLES["ci"], derandomize=True,
                                     database=None, deadline=None, print_blob=True,
                                     suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.register_profile("dev", max_examples=HYPOTHESIS_EXAMPLES["dev"])
hypothesis_settings.register_profile("thorough", max_examples=HYPOTHESIS_EXAMPLES["thorough"], deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "dev"))


# ---------------------------------------------------------------- markers
# `-m "not postgres"` and `-m "not webengine"` select by these; they are set here from
# what a test uses, so no test can forget them:
# - postgres: the PostgreSQL half of `db_url`, or the scratch database itself;
# - webengine: the `gui` fixture (and fixtures built on it), or a test body that builds
#   the application, a MapView, or starts `python -m desktop` / a GUI benchmark.
WEBENGINE_SOURCE = ("MapView(", "GridCommandApp(", "start_app(", "_start(", '"-m", "desktop"',
                    "startup.run(", "live_map.run(")


def _uses_webengine(item) -> bool:
    import inspect

    if "gui" in getattr(item, "fixturenames", ()):
        return True
    try:
        source = inspect.getsource(item.obj)
    except (AttributeError, OSError, TypeError):
        return False
    return any(token in source for token in WEBENGINE_SOURCE)


def pytest_collection_modifyitems(config, items):
    for item in items:
        callspec = getattr(item, "callspec", None)
        if (callspec is not None and callspec.params.get("db_url") == "postgresql") \
                or "pg_database" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
        if _uses_webengine(item):
            item.add_marker(pytest.mark.webengine)


@pytest.fixture
def cli(capsys):
    """Run ``gridcommand ARGS...`` in-process: ``cli(*args) -> (exit code, stdout, stderr)``."""
    from gridcommand.cli import main

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run

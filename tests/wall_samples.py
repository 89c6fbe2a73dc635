"""A morning of incidents in the demo city, written through the operation runner: the
wall's tests and its README screenshot read them."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from core.clock import FixedClock
from core.incidents import DispatchRequest
from db.engine import session_factory
from db.incident_ops import create_incident, dispatch_units, record_arrival, transition
from db.models import Unit
from db.operations import Actor, OperationRunner

PLACES = [(112.0800, 32.6795), (112.0700, 32.6830), (112.0900, 32.6850), (112.0799, 32.6680),
          (112.0650, 32.6700), (112.0950, 32.6720)]


def add_sample_incidents(engine, now: datetime) -> dict[str, int]:
    """Yesterday's closed and still-open incidents and today's: two arrived (50 s and
    170 s after dispatch), one closed, one waiting. Returns ids by name."""
    clock = FixedClock(now - timedelta(days=1))
    ops = OperationRunner(engine, Actor("dispatcher1", "ws-1"), clock)
    with session_factory(engine)() as s:
        units = list(s.scalars(select(Unit.id).where(Unit.agency.in_(("police", "joint")), Unit.status == "available")
                               .order_by(Unit.id)))
    ids: dict[str, int] = {}

    def new(name, place, category, level="general", at=None):
        clock.set(at)
        inc, _ = create_incident(ops, lon=place[0], lat=place[1], category=category, level=level,
                                 address="新华路", description="演示")
        ids[name] = inc.id
        return inc

    def arrive(inc, unit_id, after_s):
        inc, dispatches = dispatch_units(ops, inc.id, [DispatchRequest(unit_id=unit_id, mode="road", eta_s=120, ring=3)],
                                         expected_version=inc.version)
        clock.advance(after_s)
        return record_arrival(ops, dispatches[0].id, at=clock.now())

    y = now - timedelta(days=1)
    old = new("yesterday_closed", PLACES[4], "dispute", at=y)
    old = arrive(old, units[0], 100)
    for target in ("handling", "reported", "closed"):
        old = transition(ops, old.id, target, expected_version=old.version)
    new("yesterday_open", PLACES[5], "street_order", at=y + timedelta(minutes=5))
    a = new("today_fast", PLACES[0], "criminal", "major", at=now - timedelta(minutes=50))
    arrive(a, units[1], 50)
    b = new("today_slow", PLACES[1], "traffic_accident", at=now - timedelta(minutes=40))
    b = arrive(b, units[2], 170)
    for target in ("handling", "reported", "closed"):
        b = transition(ops, b.id, target, expected_version=b.version)
    new("today_waiting", PLACES[2], "public_order", "serious", at=now - timedelta(minutes=10))
    return ids


# --- PostgreSQL: a database of its own and a login that may only read ------------------

READ_ONLY_GRANTS = """
GRANT CONNECT ON DATABASE "{db}" TO "{role}";
GRANT USAGE ON SCHEMA public TO "{role}";
GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}";
"""  # the README's GRANTs for a wall's login


class ScratchPostgres:
    """A database beside the session's scratch one (so refusing its connections disturbs
    no other test), seeded with the demo city and sample incidents, plus a SELECT-only role."""

    def __init__(self, session_db_url: str, now: datetime):
        import uuid

        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        from db.engine import make_engine, normalize_url
        from db.migrate import upgrade
        from db.seed import seed_demo

        base = make_url(normalize_url(session_db_url))
        tag = uuid.uuid4().hex[:8]
        self.name, self.role = f"gridcommand_wall_{tag}", f"wall_reader_{tag}"
        self.admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
            conn.execute(text(f"CREATE ROLE \"{self.role}\" LOGIN"))
        self.url = base.set(database=self.name).render_as_string(hide_password=False)
        engine = make_engine(self.url)
        upgrade(engine)
        seed_demo(OperationRunner(engine, Actor("admin", "setup")))
        self.ids = add_sample_incidents(engine, now)
        with engine.begin() as conn:
            for statement in READ_ONLY_GRANTS.format(db=self.name, role=self.role).strip().splitlines():
                conn.execute(text(statement))
        engine.dispose()
        self.reader_url = base.set(database=self.name, username=self.role, password=None).render_as_string(
            hide_password=False)

    def allow_connections(self, allowed: bool) -> None:
        """Refuse (and cut) or re-allow every connection but the administrator's."""
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS {str(allowed).lower()}'))
            if not allowed:
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = :db AND pid <> pg_backend_pid()"), {"db": self.name})

    def drop(self) -> None:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{self.role}"'))
        self.admin.dispose()

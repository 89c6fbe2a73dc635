"""Demo incidents into the database: ``core.demo_incidents`` draws them from the city's
key targets and streets, and each is taken like any other call, through
``db.incident_ops.create_incident`` (numbered, placed in its grid, audited) by the
actor ``demo:110``."""
from __future__ import annotations

import logging
import socket
from datetime import datetime

from sqlalchemy import Engine, select

from core import layers as L
from core.demo_incidents import DemoIncident, IncidentGenerator
from core.settings import DispatchSettings
from db.engine import session_factory
from db.incident_ops import create_incident
from db.models import CodeTable
from db.operations import Actor, OperationRunner
from db.places_repo import load_layer

__all__ = ["DEMO_ACTOR", "DemoIncidentSource"]

log = logging.getLogger("gridcommand.demo")

DEMO_ACTOR = "demo:110"


class DemoIncidentSource:
    def __init__(self, engine: Engine, per_hour: float, seed: int = 0, *, runner: OperationRunner | None = None,
                 dispatch: DispatchSettings | None = None, tz: str = "Asia/Shanghai"):
        self.engine = engine
        self.per_hour = per_hour
        self.seed = seed
        self.runner = runner or OperationRunner(engine, Actor(DEMO_ACTOR, f"demo {socket.gethostname()}"[:64]))
        self.dispatch = dispatch or DispatchSettings()
        self.tz = tz
        self.created: list[str] = []  # incident numbers
        self._generator: IncidentGenerator | None = None

    def _prepare(self, now: datetime) -> IncidentGenerator:
        if self._generator is None:
            with session_factory(self.engine)() as session:
                categories = set(session.scalars(select(CodeTable.code).where(CodeTable.table_name == "category")))
                targets, streets = load_layer(session, L.TARGETS), load_layer(session, L.STREETS)
            self._generator = IncidentGenerator(targets, streets, self.per_hour, self.seed, now, categories)
        return self._generator

    def step(self, now: datetime) -> list[str]:
        """Create the incidents due by ``now``; their numbers."""
        numbers = [self._create(draw) for draw in self._prepare(now).due(now)]
        self.created.extend(numbers)
        return numbers

    def _create(self, draw: DemoIncident) -> str:
        incident, _ = create_incident(
            self.runner, lon=draw.lon, lat=draw.lat, category=draw.category, level=draw.level, source=draw.source,
            address=draw.address, description=draw.description, received_at=draw.at, settings=self.dispatch,
            tz=self.tz)
        log.info("demo incident %s: %s at %s", incident.number, draw.category, draw.address)
        return incident.number

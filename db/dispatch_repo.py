"""What a recommendation needs from the database: the street network, the units, and
which agency each incident category needs.

Building the network from the streets layer costs far more than a ranking, so it
is kept per database and rebuilt only when the streets change (their count or
newest created/updated time: a cheap aggregate query)."""
from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import layers as L
from core.code_tables import needs_by_category
from core.road_network import RoadNetwork
from core.units import UnitInfo
from db.code_tables_repo import load_code_tables
from db.models import Street
from db.places_repo import grid_index, load_layer
from db.units_repo import load_units

_networks: dict[str, tuple[tuple, RoadNetwork | None]] = {}
_lock = threading.Lock()


def streets_revision(session: Session) -> tuple:
    row = session.execute(select(func.count(Street.id), func.max(Street.created_at), func.max(Street.updated_at))).one()
    return tuple(row)


def load_network(session: Session) -> RoadNetwork | None:
    """The street network (None when no streets are loaded), cached until the streets change."""
    key = session.get_bind().url.render_as_string(hide_password=True)
    revision = streets_revision(session)
    with _lock:
        cached = _networks.get(key)
    if cached is not None and cached[0] == revision:
        return cached[1]
    streets = load_layer(session, L.STREETS)
    network = RoadNetwork.from_features(streets) if streets else None
    with _lock:
        _networks[key] = (revision, network)
    return network


def load_dispatch_context(session: Session) -> tuple[RoadNetwork | None, list[UnitInfo], dict[str, str]]:
    """(street network or None, every unit with its newest fix, category code -> needs)."""
    return load_network(session), load_units(session), needs_by_category(load_code_tables(session))


def grid_code_at(session: Session, lon: float, lat: float) -> str | None:
    """The code of the grid containing (lon, lat), if any."""
    index, codes = grid_index(session)
    grid_id = index.grid_of(lon, lat)
    return codes.get(grid_id) if grid_id is not None else None

"""What the dispatch dock computes for one selected incident, as one pure function.

The incident controller and ``gridcommand bench recommend`` both call
:func:`incident_ranking`, so the benchmark times exactly the work a dispatcher waits for:
every candidate ranked (the escalation dock needs all tiers), road routes for the rows
the list shows only, the 1/3/5-minute rings of the ring mode (road isochrones, or circles
when straight), and the escalation dock's picture built from that ranking.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.dispatch import Recommendation, circle_rings, isochrones, rank_units
from core.escalation import EscalationPicture, escalation_picture
from core.road_network import RoadNetwork
from core.travel import TravelModel
from core.units import UnitInfo

# Rows the dispatch list shows; only these get a drawn route on hover.
ROWS_SHOWN = 20


@dataclass(frozen=True, slots=True)
class DispatchView:
    ranked: list[Recommendation]  # every tier, best first (routes only for the rows shown)
    shown: list[Recommendation]  # tiers ordered in so far (<= the incident's tier), the first ROWS_SHOWN
    rings: dict[int, dict]  # minutes -> WGS84 GeoJSON polygon
    straight: bool  # True: straight-line estimates (no street network or straight mode chosen)


def dispatch_view(units: Iterable[UnitInfo], lon: float, lat: float, *, incident_grid: str | None,
                  incident_tier: int, needs: str, now: datetime, model: TravelModel, stale_after_s: float,
                  mode: str, network: RoadNetwork | None, ring_mode: str,
                  rows: int = ROWS_SHOWN) -> DispatchView:
    """Rank ``units`` for an incident at (lon, lat) and draw its rings.

    Road mode falls back to straight when there is no ``network``."""
    if network is None:
        mode = "straight"
    shown_tiers = range(1, incident_tier + 1)
    ranked = rank_units(units, lon, lat, incident_grid=incident_grid, needs=needs, now=now, model=model,
                        stale_after_s=stale_after_s, mode=mode, network=network,
                        routes_for=rows, route_tiers=shown_tiers)
    shown = [r for r in ranked if r.tier in shown_tiers][:rows]
    rings = (isochrones(network, lon, lat, model, ring_mode) if mode == "road"
             else circle_rings(lon, lat, model, ring_mode))
    return DispatchView(ranked, shown, rings, mode == "straight")


def incident_ranking(incident: Any, units: Sequence[UnitInfo], dispatches: Iterable[Any], *, needs: str,
                     now: datetime, model: TravelModel, settings: Any, stale_after_s: float, mode: str,
                     network: RoadNetwork | None, rows: int = ROWS_SHOWN) -> tuple[DispatchView, EscalationPicture]:
    """Everything the dispatch and escalation docks show for a selected ``incident``
    (an ``IncidentSnapshot``; ``settings``: the ``[dispatch]`` settings)."""
    view = dispatch_view(units, incident.lon, incident.lat, incident_grid=incident.grid_code,
                         incident_tier=incident.tier, needs=needs, now=now, model=model,
                         stale_after_s=stale_after_s, mode=mode, network=network, ring_mode=settings.ring_mode,
                         rows=rows)
    return view, escalation_picture(incident, units, view.ranked, dispatches, now, settings)

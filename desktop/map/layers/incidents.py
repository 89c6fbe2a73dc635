"""Open incidents as markers (colour by level, border by state) and the selected one."""
from __future__ import annotations

from dataclasses import dataclass

from desktop.map.layers.base import LayerAdapter


@dataclass(frozen=True)
class IncidentMarker:
    id: int
    number: str
    lon: float  # WGS84
    lat: float
    level: str
    state: str
    label: str  # the category's display name


class IncidentsAdapter(LayerAdapter):
    def __init__(self, scene):
        super().__init__(scene)
        self.markers: list[IncidentMarker] = []
        self.selected: int | None = None

    def _rows(self) -> list[dict]:
        rows = []
        for m in self.markers:
            lon, lat = self.shift.point(m.lon, m.lat)
            rows.append({"id": m.id, "number": m.number, "lon": lon, "lat": lat, "level": m.level,
                         "state": m.state, "label": m.label})
        return rows

    def update(self, markers: list[IncidentMarker]) -> None:
        self.markers = list(markers)
        self._call("updateIncidents", self._rows())

    def select(self, incident_id: int | None) -> None:
        self.selected = incident_id
        self._call("selectIncident", incident_id)

    def replay(self, view) -> None:
        self._call("updateIncidents", self._rows(), view=view)
        if self.selected is not None:
            self._call("selectIncident", self.selected, view=view)

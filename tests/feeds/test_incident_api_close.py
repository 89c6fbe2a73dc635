"""`POST /api/v1/incidents/{id}/close`: 办结 with the outcome through the API (both
databases), called on the API's handler as the server calls it."""
from __future__ import annotations

import json

import pytest

from core.incidents import DispatchRequest
from db.engine import session_factory
from db.incident_ops import create_incident, dispatch_units, record_arrival, transition
from db.incidents_repo import dispatches_for
from db.models import Incident, Unit
from feeds.api import IncidentApi

TOKEN = "s3cret-token"
AUTH = {"authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def api(seeded, engine):
    api = IncidentApi(engine, TOKEN)
    yield api
    api.close()


def _post(api, path, payload, headers=AUTH):
    response = api.handle("POST", path, headers, json.dumps(payload, ensure_ascii=False).encode())
    return response.status, response.body


def _reported(runner, engine) -> tuple[int, int]:
    from sqlalchemy import select

    inc, _ = create_incident(runner, lon=112.08, lat=32.6795, category="assistance")
    with session_factory(engine)() as s:
        unit_id = s.scalar(select(Unit.id).where(Unit.callsign == "联勤2-1"))
    inc, _ = dispatch_units(runner, inc.id, [DispatchRequest(unit_id, eta_s=90.0)], expected_version=inc.version)
    with session_factory(engine)() as s:
        dispatch_id = dispatches_for(s, inc.id)[0].id
    inc = record_arrival(runner, dispatch_id, "unit")
    for state in ("handling", "reported"):
        inc = transition(runner, inc.id, state, expected_version=inc.version)
    return inc.id, inc.version


def test_close_records_the_outcome(api, seeded, engine):
    incident_id, version = _reported(seeded, engine)
    path = f"/api/v1/incidents/{incident_id}/close"
    assert _post(api, path, {}, headers={})[0] == 401
    for payload, field in (({"rescued": -1}, "rescued"), ({"mediated": "yes"}, "mediated"),
                           ({"medals": 1}, "medals"), ({"version": "3"}, "version"),
                           ({"property_recovered_cny": "100"}, "property_recovered_cny")):
        status, body = _post(api, path, payload)
        assert (status, body["field"]) == (422, field), body
    assert _post(api, path, {"version": version - 1})[0] == 409  # someone changed it since
    status, body = _post(api, path, {"rescued": 3, "property_recovered_cny": 120.5, "note": "送医", "version": version})
    assert status == 200, body
    assert body["state"] == "closed" and body["outcome"] == {
        "rescued": 3, "property_recovered_cny": 120.5, "mediated": False, "accident_on_scene": False}
    with session_factory(engine)() as s:
        row = s.get(Incident, incident_id)
        assert (row.state, row.rescued, row.property_recovered_cny) == ("closed", 3, 120.5)
    assert _post(api, path, {})[0] == 409  # closed is final
    assert _post(api, "/api/v1/incidents/999999/close", {})[0] == 404

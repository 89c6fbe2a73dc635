"""Hostile input to the incident API answers a 4xx naming the field and writes nothing;
dates outside a sane window are refused; a location outside every grid is flagged
(both databases)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from db.engine import session_factory
from db.models import Incident
from feeds.api import IncidentApi, encode_response

TOKEN = "t0ken"
SCENE = {"lat": 32.6795, "lon": 112.08, "category": "dispute"}


@pytest.fixture
def api(seeded, engine):
    api = IncidentApi(engine, TOKEN)
    yield api
    api.close()


def _post(api: IncidentApi, body) -> tuple[int, dict]:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
    response = api.handle("POST", "/api/v1/incidents", {"authorization": f"Bearer {TOKEN}"}, raw, "127.0.0.1:1")
    encode_response(response)  # the answer itself must be encodable (no surrogate echoed back)
    return response.status, response.body


def _count(engine) -> int:
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(Incident))


HOSTILE = [
    (b'{"lat": 1' + b"0" * 400 + b', "lon": 112.08, "category": "dispute"}', "lat"),
    (b'{"lat": 32.68, "lon": -1' + b"0" * 400 + b', "category": "dispute"}', "lon"),
    (b'{"lat": 32.68, "lon": 112.08, "category": "dispute", "received_at": "0001-01-01T00:00:00+14:00"}',
     "received_at"),
    (b'{"lat": 32.68, "lon": 112.08, "category": "dispute", "received_at": "9999-12-31T23:59:59-14:00"}',
     "received_at"),
    (b'{"lat": 32.68, "lon": 112.08, "category": "dispute", "received_at": "1970-01-01T00:00:00Z"}', "received_at"),
    (b'{"a": ' + b"[" * 10000 + b"]" * 10000 + b"}", "body"),
    (b'{"lat": 1e999, "lon": 112.08, "category": "dispute"}', "lat"),
    (b'{"lat": NaN, "lon": 112.08, "category": "dispute"}', "lat"),
    (b'{"lat": 32.68, "lon": 112.08, "category": "dispute", "caller": "\\u0000"}', "caller"),
    (b'{"lat": 32.68, "lon": 112.08, "category": "dispute", "description": "a\\u0000b"}', "description"),
    (b'{"lat": 32.68, "lon": 112.08, "category": "dispute", "address": "\\ud800"}', "address"),
    (b'{"lat": 32.68, "lon": 112.08, "category": "disp\\udfffute"}', "category"),
    (b'{"lat": 32.68, "lon": 112.08, "category": "dispute", "level": "\\u0000"}', "level"),
    (b'{"lat": 32.68, "lon": 112.08, "category": "dispute", "source": 7}', "source"),
]


def test_hostile_values_are_a_4xx_naming_the_field(api, engine):
    for body, field in HOSTILE:
        status, answer = _post(api, body)
        assert 400 <= status < 500 and answer.get("field") == field, (body[:80], answer)
        assert field in answer["error"]
    assert _count(engine) == 0


def test_each_text_field_has_its_own_length_limit(api, engine):
    for field, limit in [("caller", 200), ("caller_phone", 64), ("address", 300), ("description", 4000)]:
        status, answer = _post(api, {**SCENE, field: "x" * (limit + 1)})
        assert (status, answer.get("field")) == (422, field), answer
        assert str(limit) in answer["error"]
        status, answer = _post(api, {**SCENE, field: "x" * limit})
        assert status == 201, answer


def test_dates_outside_the_window_are_refused(api, engine):
    now = datetime.now(timezone.utc)
    for at in (now - timedelta(days=31), now + timedelta(minutes=10)):
        status, answer = _post(api, {**SCENE, "received_at": at.isoformat()})
        assert (status, answer.get("field")) == (422, "received_at"), answer
    status, answer = _post(api, {**SCENE, "received_at": (now - timedelta(days=29)).isoformat()})
    assert status == 201, answer
    assert _count(engine) == 1


def test_a_location_outside_every_grid_is_flagged(api, engine):
    status, answer = _post(api, {**SCENE, "lat": 39.9, "lon": 116.4})
    assert status == 201, answer
    assert answer["grid"] is None and answer["out_of_area"] is True
    assert "outside every grid" in answer["warnings"][0]
    status, inside = _post(api, SCENE)
    assert status == 201 and inside["out_of_area"] is False and inside["warnings"] == []
    assert inside["grid"]


def test_support_request_text_is_checked_too(api, engine):
    status, created = _post(api, SCENE)
    assert status == 201
    url = f"/api/v1/incidents/{created['id']}/support"
    for body, field in [({"note": "need\u0000help"}, "note"), ({"note": "x" * 4001}, "note"),
                        ({"note": "help", "unit_callsign": "P\u0000"}, "unit_callsign"),
                        ({"note": "help", "unit_callsign": "\ud800"}, "unit_callsign")]:
        raw = json.dumps(body).encode()
        response = api.handle("POST", url, {"authorization": f"Bearer {TOKEN}"}, raw, "127.0.0.1:1")
        encode_response(response)
        assert (response.status, response.body.get("field")) == (422, field), response.body

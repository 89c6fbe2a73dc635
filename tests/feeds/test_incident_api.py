"""The incident API of a running `gridcommand serve` (both databases): authentication,
bad payloads naming the field, creation reaching the change feed, support requests,
and automatic arrival from an OsmAnd fix on the same port."""
from __future__ import annotations

import http.client
import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from core.incidents import DispatchRequest
from db.change_feed import ChangeFeed
from db.engine import session_factory
from db.incident_ops import dispatch_units
from db.incidents_repo import dispatches_for, get_incident, timeline
from db.models import Device, Incident, Unit
from serve_process import ServeProcess, wait_for

TOKEN = "s3cret-token"
SCENE = {"lat": 32.6795, "lon": 112.08}


def _settings(tmp_path, token: str | None):
    config = tmp_path / "home" / "config"
    config.mkdir(parents=True, exist_ok=True)
    if token is not None:
        (config / "settings.toml").write_text(f'[api]\ntoken = "{token}"\n', encoding="utf-8")
    return tmp_path


def _post(port: int, path: str, payload, token: str | None = TOKEN, raw: bytes | None = None, method="POST"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    text = response.read().decode()
    conn.close()
    assert response.getheader("Content-Type", "").startswith("application/json"), text
    assert text.count("\n") == 1  # one line
    return response.status, json.loads(text)


def _read(engine, fn, *args):
    with session_factory(engine)() as s:
        return fn(s, *args)


def test_incident_api(seeded, engine, db_url, tmp_path):
    feed = ChangeFeed(engine)
    feed.snapshot()
    with ServeProcess(db_url, _settings(tmp_path, TOKEN)) as server:
        port = server.http_port
        url = "/api/v1/incidents"
        # Authentication
        assert _post(port, url, SCENE, token=None)[0] == 401
        assert _post(port, url, SCENE, token="wrong")[0] == 401
        # Bad payloads name the field.
        for payload, status, field in [
            ({"lon": 112.08, "category": "dispute"}, 422, "lat"),
            ({**SCENE, "lat": "north", "category": "dispute"}, 422, "lat"),
            ({**SCENE, "lon": 200, "category": "dispute"}, 422, "lon"),
            (SCENE, 422, "category"),
            ({**SCENE, "category": "jaywalking"}, 422, "category"),
            ({**SCENE, "category": "dispute", "level": "apocalyptic"}, 422, "level"),
            ({**SCENE, "category": "dispute", "caller_phone": 13800000000}, 422, "caller_phone"),
            ({**SCENE, "category": "dispute", "received_at": "yesterday"}, 422, "received_at"),
            ([1, 2], 400, "body"),
        ]:
            got, body = _post(port, url, payload)
            assert (got, body.get("field")) == (status, field), body
            assert field in body["error"]
        assert _post(port, url, None, raw=b"{not json")[1]["field"] == "body"
        assert _post(port, url, SCENE, method="PUT")[0] == 405
        assert _post(port, "/api/v1/nothing", SCENE)[0] == 404

        # Creation
        received = (datetime.now(timezone.utc) - timedelta(minutes=2)).isoformat()
        status, created = _post(port, url, {**SCENE, "category": "dispute", "caller": "李四", "address": "新华路",
                                            "description": "两人争吵", "received_at": received})
        assert status == 201, created
        assert created["grid"] == "G02" and created["number"].startswith("JQ") and created["duplicates"] == []
        assert next(iter(created)) == "number"  # the answer leads with the number
        assert (created["source"], created["level"], created["state"]) == ("110", "general", "received")
        with session_factory(engine)() as s:
            row = s.get(Incident, created["id"])
            assert (row.number, row.caller, row.state) == (created["number"], "李四", "received")
        assert _read(engine, timeline, created["id"])[0].actor == "api"
        assert "incidents" in feed.poll().kinds  # every workstation hears of it
        status, second = _post(port, url, {**SCENE, "lon": 112.0805, "category": "traffic_accident",
                                           "source": "hotline_12345"})
        assert status == 201 and [d["id"] for d in second["duplicates"]] == [created["id"]]

        # A unit on scene asks for support.
        incident_id = created["id"]
        with session_factory(engine)() as s:
            unit_id, device = s.execute(select(Unit.id, Device.device_id).join(Device, Device.unit_id == Unit.id)
                                        .where(Unit.callsign == "联勤2-1")).first()
        fresh = _read(engine, get_incident, incident_id)
        dispatch_units(seeded, incident_id, [DispatchRequest(unit_id)], expected_version=fresh.version)
        support = f"{url}/{incident_id}/support"
        assert _post(port, support, {"note": "x"}, token=None)[0] == 401
        assert _post(port, support, {"unit_callsign": "联勤2-1"}) == (
            422, {"error": "note: required: say what support is needed", "field": "note"})
        assert _post(port, support, {"unit_callsign": "无此单位", "note": "x"})[1]["field"] == "unit_callsign"
        assert _post(port, support, {"unit_callsign": "联勤2-2", "note": "x"})[1]["field"] == "unit_callsign"
        assert _post(port, f"{url}/999999/support", {"note": "x"})[0] == 404
        status, body = _post(port, support, {"unit_callsign": "联勤2-1", "note": "对方人多，请求支援"})
        assert status == 201 and body["support_requested"] is True
        event = _read(engine, timeline, incident_id)[-1]
        assert (event.kind, event.payload["callsign"], event.payload["note"]) == (
            "support_requested", "联勤2-1", "对方人多，请求支援")
        assert _read(engine, get_incident, incident_id).support_requested

        # The unit's phone reports from the scene on the same port: arrival is detected.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", f"/?id={device}&lat=32.67951&lon=112.08001&accuracy=5")
        assert conn.getresponse().status == 200
        conn.close()
        assert wait_for(lambda: _read(engine, dispatches_for, incident_id)[0].arrival_source == "auto", 15)
        assert _read(engine, get_incident, incident_id).state == "on_scene"
        assert server.stop() == 0
        assert "Traceback" not in server.log()
    feed.close()


def test_api_without_a_token_is_disabled(engine, db_url, tmp_path):
    with ServeProcess(db_url, _settings(tmp_path, None)) as server:
        assert _post(server.http_port, "/api/v1/incidents", SCENE) == (
            403, {"error": "API disabled: no API client (gridcommand token add NAME --role intake|support)"})
        assert _post(server.http_port, "/api/v1/incidents", SCENE, token=None)[0] == 403
        assert "incident API disabled" in server.log()

"""API clients on the incident API (both databases): each client's role decides what it
may call, its name is the audit actor, a revoked token is refused within 5 s (also by a
running `serve`), a token in the query string is refused, and the settings' old shared
token keeps working as the client ``api`` until revoked (tested across the migration)."""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from db.engine import make_engine, session_factory
from db.migrate import upgrade
from db.models import AuditLog, Incident
from db.operations import Actor, OperationRunner
from db.users_repo import add_client, list_clients, revoke_client
from feeds.api import IncidentApi

SCENE = {"lat": 32.6795, "lon": 112.08, "category": "dispute"}
INCIDENTS = "/api/v1/incidents"


def _post(api: IncidentApi, token: str | None, path: str = INCIDENTS, body=SCENE, query: str = ""):
    headers = {"authorization": f"Bearer {token}"} if token is not None else {}
    response = api.handle("POST", path + query, headers, json.dumps(body).encode(), "127.0.0.1:9")
    return response.status, response.body


@pytest.fixture
def api(seeded, engine):
    api = IncidentApi(engine, "")
    yield api
    api.close()


def test_no_client_means_the_api_is_disabled(api):
    assert _post(api, "anything")[0] == 403


def test_each_client_does_what_its_role_allows_and_is_the_audit_actor(api, seeded, engine):
    _, intake = add_client(seeded, "cad110", "intake")
    _, support = add_client(seeded, "field-app", "support")
    api._clients_read = float("-inf")  # read the new clients now
    status, created = _post(api, intake)
    assert status == 201, created
    with session_factory(engine)() as s:
        actors = set(s.scalars(select(AuditLog.actor).where(AuditLog.entity == "incidents")))
    assert actors == {"cad110"}
    support_path = f"{INCIDENTS}/{created['id']}/support"
    status, body = _post(api, intake, support_path, {"note": "请求支援"})
    assert status == 403 and "cad110" in body["error"] and "request_support" in body["error"]
    assert _post(api, support, body=SCENE)[0] == 403  # a support client may not take in incidents
    assert _post(api, support, support_path, {"note": "请求支援"})[0] == 201
    assert _post(api, "gc_wrong")[0] == 401 and _post(api, None)[0] == 401 and _post(api, "")[0] == 401


@pytest.mark.parametrize("query", ["?token=x", "?access_token=x", "?a=1&API_KEY=x", "?key="])
def test_a_token_in_the_query_string_is_refused(api, seeded, engine, query):
    _, token = add_client(seeded, "cad110", "intake")
    status, body = _post(api, token, query=query)
    assert (status, body["field"]) == (400, "token")
    with session_factory(engine)() as s:
        assert s.scalar(select(Incident.id)) is None


def test_a_revoked_token_is_refused_within_5_s(api, seeded):
    _, token = add_client(seeded, "cad110", "intake")
    api._clients_read = float("-inf")
    assert _post(api, token)[0] == 201
    revoke_client(seeded, "cad110")
    revoked_at = time.monotonic()
    while _post(api, token)[0] not in (401, 403):  # 403: no client left at all
        assert time.monotonic() - revoked_at < 5, "a revoked token was still accepted after 5 s"
        time.sleep(0.1)


def test_the_old_shared_token_is_a_client_until_revoked_across_the_migration(db_url):
    from db.seed import seed_demo

    engine = make_engine(db_url)
    upgrade(engine, "0004")  # a database from before API clients
    upgrade(engine)
    runner = OperationRunner(engine, Actor("t", "ws"))
    seed_demo(runner)
    api = IncidentApi(engine, "old-shared-token")
    try:
        assert [(c.name, c.role) for c in list_clients(engine)] == [("api", "legacy_api")]
        assert _post(api, "old-shared-token")[0] == 201
        revoke_client(runner, "api")
        api._clients_read = float("-inf")
        assert _post(api, "old-shared-token")[0] in (401, 403)
    finally:
        api.close()
    again = IncidentApi(engine, "old-shared-token")  # `serve` restarted with the same settings
    try:
        assert len(list_clients(engine)) == 1 and _post(again, "old-shared-token")[0] in (401, 403)
    finally:
        again.close()
        engine.dispose()


def test_a_running_serve_honours_a_revocation_within_5_s(seeded, engine, db_url, tmp_path):
    from test_incident_api import _post as post_http, _settings
    from serve_process import ServeProcess

    _, token = add_client(seeded, "cad110", "intake")
    with ServeProcess(db_url, _settings(tmp_path, None)) as server:
        assert post_http(server.http_port, INCIDENTS, SCENE, token=token)[0] == 201
        revoke_client(seeded, "cad110")
        revoked_at = time.monotonic()
        while post_http(server.http_port, INCIDENTS, SCENE, token=token)[0] not in (401, 403):
            assert time.monotonic() - revoked_at < 5
            time.sleep(0.1)
        assert server.stop() == 0

"""The incident API on the `serve` HTTP port (paths under /api/v1/), for the 110 system
and units in the field:

- ``POST /api/v1/incidents``: a new incident (JSON: lat, lon, category, level?, source?,
  caller?, caller_phone?, address?, description?, received_at?) -> 201 with the incident,
  its ``number`` (JQyyyymmdd-nnnn) first;
- ``POST /api/v1/incidents/{id}/support``: a unit on scene asks for support
  (JSON: unit_callsign?, note) -> 201.
- ``POST /api/v1/incidents/{id}/close``: 办结 with the outcome (JSON: rescued?,
  property_recovered_cny?, mediated?, accident_on_scene?, note?, version?) -> 200 with
  the incident; from any state but 反馈/reported it is 409.

Every request needs ``Authorization: Bearer <token>`` with an API client's token
(`gridcommand token add NAME --role intake|support`); the client's role decides what it
may call (403 otherwise), and its name is the actor of the audit rows it causes. A
revoked token is refused within ``CLIENTS_TTL_S``; a token in the query string is
refused outright. The settings' old ``[api] token`` is kept as the client ``api``
until revoked. With no client at all the API refuses everything (403). Errors
are one JSON line naming the field. The database work runs on the API's own threads,
never on the event loop; answers go back through the connection in request order."""
from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy import Engine

from core.clock import Clock, SystemClock
from core.field_checks import check_text, check_time, shown
from core.incidents import FieldError, IllegalTransition
from core.settings import DispatchSettings
from db.engine import DatabaseUnavailable, session_factory
from db.incident_ops import IncidentNotFound, create_incident, request_support
from db.incidents_repo import unit_id_for_callsign
from db.operations import Actor, ConflictError, OperationRunner, PermissionDenied
from db.users_repo import active_clients, adopt_configured_token, find_client

log = logging.getLogger("gridcommand.api")

__all__ = ["API_PREFIX", "ApiResponse", "IncidentApi", "encode_response"]

API_PREFIX = "/api/v1/"
_REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 409: "Conflict", 415: "Unsupported Media Type",
            422: "Unprocessable Content", 500: "Internal Server Error", 503: "Service Unavailable"}
_SUPPORT = re.compile(r"incidents/(\d{1,12})/support")
_CLOSE = re.compile(r"incidents/(\d{1,12})/close")
# A revoked token is refused at most this long after `gridcommand token revoke`.
CLIENTS_TTL_S = 2.0
# Query parameters that look like a credential: refused, as URLs end up in proxies' logs.
_CREDENTIAL_PARAMS = frozenset({"token", "access_token", "api_key", "apikey", "key", "auth", "bearer", "password"})
_INCIDENT_FIELDS = ("lat", "lon", "category", "level", "source", "caller", "caller_phone", "address",
                    "description", "received_at")


class ApiResponse:
    __slots__ = ("status", "body", "headers")

    def __init__(self, status: int, body: dict[str, Any], headers: tuple[tuple[str, str], ...] = ()):
        self.status = status
        self.body = body
        self.headers = headers


def _error(status: int, message: str, field: str | None = None, **headers: str) -> ApiResponse:
    body: dict[str, Any] = {"error": " ".join(message.split())}  # one line
    if field is not None:
        body["field"] = field
    return ApiResponse(status, body, tuple((k.replace("_", "-"), v) for k, v in headers.items()))


def encode_response(response: ApiResponse, keep_alive: bool = True, http10: bool = False) -> bytes:
    body = (json.dumps(response.body, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    head = [f"HTTP/1.1 {response.status} {_REASONS.get(response.status, 'Unknown')}",
            "Content-Type: application/json; charset=utf-8", f"Content-Length: {len(body)}"]
    head.extend(f"{name}: {value}" for name, value in response.headers)
    if not keep_alive:
        head.append("Connection: close")
    elif http10:
        head.append("Connection: keep-alive")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


class IncidentApi:
    def __init__(self, engine: Engine, token: str, dispatch: DispatchSettings | None = None,
                 clock: Clock | None = None, workers: int = 2):
        self.engine = engine
        self.dispatch = dispatch or DispatchSettings()
        self.clock = clock or SystemClock()
        self._sessions = session_factory(engine)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="api")
        self._host = socket.gethostname()
        self._clients: dict[str, tuple[str, str]] = {}
        self._clients_read = float("-inf")
        self._clients_lock = threading.Lock()
        if token:
            try:
                adopt_configured_token(OperationRunner(engine, Actor("system", self._host[:64]), self.clock), token)
            except DatabaseUnavailable as exc:
                log.error("API: the configured token could not be kept as a client: %s", exc)

    # -- called on the event loop ------------------------------------------------------

    def submit(self, request, peer: str, loop, answer: Callable[[bytes], None]) -> None:
        """Handle ``request`` (method, target, headers, body, keep_alive, http10) on a
        worker thread; ``answer`` gets the encoded response on ``loop``'s thread."""
        keep_alive, http10 = request.keep_alive, request.http10

        def done(future) -> None:
            try:
                response = future.result()
            except Exception:  # handle() answers every error itself; this is a bug
                log.exception("API request failed")
                response = _error(500, "internal error")
            try:
                loop.call_soon_threadsafe(answer, encode_response(response, keep_alive, http10))
            except RuntimeError:  # the loop closed during shutdown
                pass

        future = self._pool.submit(self.handle, request.method, request.target, request.headers, request.body, peer)
        future.add_done_callback(done)

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    # -- worker threads ----------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes, peer: str = "?") -> ApiResponse:
        path = target.partition("?")[0]
        if not path.startswith(API_PREFIX):
            return _error(404, f"no such resource: {path[:100]}")
        route = path[len(API_PREFIX):].rstrip("/")
        support = _SUPPORT.fullmatch(route)
        close = _CLOSE.fullmatch(route)
        if route != "incidents" and support is None and close is None:
            return _error(404, f"no such resource: {path[:100]}")
        query = target.partition("?")[2]
        if query and any(k.lower() in _CREDENTIAL_PARAMS for k, _ in parse_qsl(query, keep_blank_values=True)):
            return _error(400, "token: refused in the query string (URLs are logged); send Authorization: Bearer",
                          "token")
        clients = self.clients()
        if not clients:
            return _error(403, "API disabled: no API client (gridcommand token add NAME --role intake|support)")
        client = self._authorized(clients, headers.get("authorization", ""))
        if client is None:
            return _error(401, "missing, wrong or revoked bearer token", WWW_Authenticate='Bearer realm="gridcommand"')
        name, role = client
        runner = OperationRunner(self.engine, Actor.for_role(name, f"api {peer}"[:64], role), self.clock)
        response = self._call(runner, method, path, support, close, body)
        if response.status >= 400 and response.status != 503:
            self._audit_refusal(runner, path, response)
        return response

    def _audit_refusal(self, runner: OperationRunner, path: str, response: ApiResponse) -> None:
        """A call that wrote nothing leaves an audit row too, with the client's name: every
        call of an authenticated client is in the audit trail (a write audits itself)."""
        after = {"status": response.status, **response.body}
        try:
            runner.run("api call refused", lambda ctx: ctx.audit("api", path[:64], None, after), "call_api")
        except Exception as exc:  # the answer stands; the trail's gap is logged
            log.error("API: could not audit a refused call: %s", str(exc).splitlines()[0])

    def _call(self, runner: OperationRunner, method: str, path: str, support, close, body: bytes) -> ApiResponse:
        if method != "POST":
            return _error(405, f"use POST, not {method[:20]}", Allow="POST")
        try:
            payload = json.loads(body.decode("utf-8")) if body.strip() else None
        except RecursionError:
            return _error(400, "body: JSON nested too deeply", "body")
        except (UnicodeDecodeError, ValueError) as exc:
            return _error(400, f"body: not valid JSON ({exc})", "body")
        if not isinstance(payload, dict):
            return _error(400, "body: expected a JSON object", "body")
        try:
            if support is not None:
                return self._support(runner, int(support.group(1)), payload)
            if close is not None:
                return self._close(runner, int(close.group(1)), payload)
            return self._create(runner, payload)
        except PermissionDenied as exc:
            log.warning("API: %s", exc)
            return _error(403, str(exc))
        except FieldError as exc:
            return _error(422, str(exc), exc.field)
        except IncidentNotFound as exc:
            return _error(404, str(exc))
        except (ConflictError, IllegalTransition) as exc:
            return _error(409, str(exc))
        except DatabaseUnavailable as exc:
            log.error("API: %s", exc)
            return _error(503, "database unavailable, retry later")
        except ValueError as exc:
            return _error(409, str(exc))
        except Exception:
            log.exception("API %s %s failed", method, path)
            return _error(500, "internal error")

    def clients(self) -> dict[str, tuple[str, str]]:
        """The clients not revoked (token hash -> name, role), re-read every CLIENTS_TTL_S."""
        if time.monotonic() - self._clients_read >= CLIENTS_TTL_S:
            with self._clients_lock:
                if time.monotonic() - self._clients_read >= CLIENTS_TTL_S:
                    try:
                        self._clients = active_clients(self.engine, self.clock.now())
                    except Exception as exc:  # the database is away: writes fail anyway; keep the last list
                        log.warning("API: cannot re-read API clients: %s", str(exc).splitlines()[0])
                    self._clients_read = time.monotonic()
        return self._clients

    @staticmethod
    def _authorized(clients: dict[str, tuple[str, str]], header: str) -> tuple[str, str] | None:
        scheme, _, credential = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            return None
        return find_client(clients, credential.strip())

    def _create(self, runner: OperationRunner, payload: dict[str, Any]) -> ApiResponse:
        for name in ("lat", "lon", "category"):
            if payload.get(name) is None:
                raise FieldError(name, "required")
        args = {name: payload[name] for name in _INCIDENT_FIELDS if payload.get(name) is not None}
        if "received_at" in args:
            args["received_at"] = _parse_time("received_at", args["received_at"])
        for name in ("category", "level", "source"):
            if name in args and not isinstance(args[name], str):
                raise FieldError(name, f"must be text, got {args[name]!r}")
        incident, duplicates = create_incident(runner, settings=self.dispatch, **args)
        body = {"number": incident.number, **incident.to_dict()}  # the number first: what the caller quotes
        body["grid"] = incident.grid_code
        # Accepted (the 110 call happened), but no grid commander will see it as theirs.
        body["out_of_area"] = incident.grid_code is None
        body["warnings"] = ["location outside every grid: no grid is responsible"] if body["out_of_area"] else []
        body["duplicates"] = [{"id": d.id, "number": d.number, "state": d.state, "received_at": d.received_at}
                              for d in duplicates]
        log.info("API: incident %s created from %s%s", incident.number, runner.actor.workstation,
                 " (outside every grid)" if body["out_of_area"] else "")
        return ApiResponse(201, body, (("Location", f"{API_PREFIX}incidents/{incident.id}"),))

    def _close(self, runner: OperationRunner, incident_id: int, payload: dict[str, Any]) -> ApiResponse:
        from core.outcomes import OUTCOME_FIELDS, check_outcome
        from db.incident_ops import close_incident

        extra = sorted(set(payload) - set(OUTCOME_FIELDS) - {"note", "version"})
        if extra:
            raise FieldError(extra[0], "unknown field; send " + ", ".join((*OUTCOME_FIELDS, "note", "version")))
        version = payload.get("version")
        if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
            raise FieldError("version", f"must be the incident's version number, got {shown(version)}")
        note = check_text("note", payload.get("note"), 4000)
        outcome = check_outcome({k: payload[k] for k in OUTCOME_FIELDS if k in payload})
        incident = close_incident(runner, incident_id, outcome, expected_version=version, note=note)
        log.info("API: incident %s closed from %s", incident.number, runner.actor.workstation)
        return ApiResponse(200, {"number": incident.number, **incident.to_dict(), "outcome": outcome.to_dict()})

    def _support(self, runner: OperationRunner, incident_id: int, payload: dict[str, Any]) -> ApiResponse:
        note = payload.get("note")
        if not isinstance(note, str) or not note.strip():
            raise FieldError("note", "required: say what support is needed")
        callsign = payload.get("unit_callsign")
        unit_id = None
        if callsign is not None:
            check_text("unit_callsign", callsign, 64)
            with self._sessions() as session:
                unit_id = unit_id_for_callsign(session, callsign)
            if unit_id is None:
                raise FieldError("unit_callsign", f"no unit with callsign {callsign!r}")
        try:
            incident = request_support(runner, incident_id, unit_id=unit_id, note=note)
        except FieldError as exc:
            if exc.field == "unit_id":
                raise FieldError("unit_callsign", str(exc).partition(": ")[2]) from exc
            raise
        return ApiResponse(201, {"incident_id": incident.id, "number": incident.number, "state": incident.state,
                                 "support_requested": incident.support_requested, "unit_callsign": callsign,
                                 "note": note.strip()})


def _parse_time(name: str, value: Any) -> datetime:
    if not isinstance(value, str):
        raise FieldError(name, f"must be an ISO 8601 time, got {shown(value)}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError(name, f"not an ISO 8601 time: {shown(value)}") from None
    return check_time(name, parsed)

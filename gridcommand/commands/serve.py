"""`gridcommand serve`: the headless position ingest server, the incident API on its
HTTP port, automatic arrival detection and live patrol detection (never loads Qt)."""
from __future__ import annotations

import argparse
import logging
import sys

from gridcommand.commands import DB_HELP


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="URL", help=DB_HELP)
    parser.add_argument("--http", metavar="HOST:PORT", default="127.0.0.1:5055",
                        help="OsmAnd/Traccar HTTP listener (default 127.0.0.1:5055; 'off' to disable)")
    parser.add_argument("--cot-udp", metavar="[HOST:]PORT",
                        help="CoT XML over UDP (off unless given; a bare PORT listens on 127.0.0.1 only)")
    parser.add_argument("--cot-tcp", metavar="[HOST:]PORT",
                        help="CoT XML over TCP (off unless given; a bare PORT listens on 127.0.0.1 only)")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="N ingest processes sharing the listening ports (SO_REUSEPORT; default 1)")
    parser.add_argument("--worker-of", type=int, metavar="PID", help=argparse.SUPPRESS)  # set for workers 2..N
    parser.add_argument("--worker-index", type=int, default=0, help=argparse.SUPPRESS)  # 1..N-1: its own spool
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])


def run(args: argparse.Namespace) -> int:
    from db.config import load_settings
    from feeds.api import IncidentApi
    from feeds.arrival import ArrivalDetector
    from feeds.ingest import IngestConfig, parse_hostport, serve
    from feeds.limits import ConnectionLimits
    from feeds.patrol_live import PatrolLive
    from gridcommand.commands.db import open_migrated
    from gridcommand.logs import configure_logging

    if args.worker_of is not None:
        import signal

        # Stopped before it listens (the first process shutting down early): nothing was acknowledged.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    configure_logging(args.log_level)  # every line redacted (credentials never reach a log)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    log = logging.getLogger("gridcommand.ingest")
    settings, problems = load_settings()
    if args.worker_of is None:
        for problem in problems:
            log.warning("settings: %s", problem)
    if not 1 <= args.workers <= 64:
        print("gridcommand serve: --workers must be between 1 and 64", file=sys.stderr)
        return 2
    try:
        # Every listener is local unless an address is given explicitly (logged at start).
        http = None if args.http.lower() == "off" else parse_hostport(args.http)
        cot_udp = parse_hostport(args.cot_udp) if args.cot_udp else None
        cot_tcp = parse_hostport(args.cot_tcp) if args.cot_tcp else None
    except ValueError as exc:
        print(f"gridcommand serve: {exc}", file=sys.stderr)
        return 2
    if not (http or cot_udp or cot_tcp):
        print("gridcommand serve: no listener enabled", file=sys.stderr)
        return 2
    live = settings.live
    engine = open_migrated(args.db)
    config = IngestConfig(http=http, cot_udp=cot_udp, cot_tcp=cot_tcp,
                          future_tolerance_s=live.future_tolerance_s, rejects_keep=live.rejects_keep,
                          limits=ConnectionLimits(live.max_connections, live.request_timeout_s, live.idle_timeout_s),
                          max_speed_kmh={"foot": live.max_speed_foot_kmh, "ebike": live.max_speed_ebike_kmh,
                                         "car": live.max_speed_car_kmh},
                          reuse_port=args.workers > 1 or args.worker_of is not None,
                          spool_dir=_spool_dir(live.spool_dir, args.worker_index), spool_max_fixes=live.spool_max_fixes)
    api = IncidentApi(engine, settings.api.token, settings.dispatch)
    if not api.clients() and args.worker_of is None:
        log.warning("incident API disabled: no API client; add one with `gridcommand token add NAME --role intake`")
    # One arrival detector, in the first process: two would record each arrival twice.
    arrivals = ArrivalDetector(engine, settings.dispatch) if args.worker_of is None else None
    if arrivals is not None:
        arrivals.start()  # a thread next to the ingest loop; stopped once the loop has shut down
    # Live patrol detection, fed by the first process's writer after each commit. Only one
    # process may detect (two would store each check-in twice); with --workers N it sees the
    # fixes the first process stored, and `gridcommand patrol rebuild` recounts from all of them.
    patrol = PatrolLive(engine, settings.patrol) if args.worker_of is None else None
    if patrol is not None:
        patrol.start()
    workers: list = []

    def ready(server) -> None:
        if patrol is not None:
            server.writer.on_stored = patrol.submit
        if args.workers > 1:
            workers.extend(_start_workers(args, server))

    from feeds.spool import SpoolInUse

    try:
        return serve(engine, config, ready=ready, api=api)
    except SpoolInUse as exc:
        log.error("%s", exc)
        return 1
    except OSError as exc:  # e.g. the port is taken
        log.error("cannot listen: %s", exc)
        return 1
    finally:
        status = _stop_workers(workers)
        if arrivals is not None:
            arrivals.stop()
        if patrol is not None:
            patrol.stop()
        api.close()
        engine.dispose()
        if status:
            log.error("a worker process exited with status %d", status)


def _spool_dir(setting: str, worker_index: int):
    """The spool of this process: each worker has its own (one appender and drainer per spool),
    numbered, so a restarted server finds what its predecessor left."""
    from pathlib import Path

    from db.config import data_dir

    base = Path(setting).expanduser() if setting else data_dir() / "spool"
    return base / f"worker-{worker_index}" if worker_index else base


def _start_workers(args: argparse.Namespace, server) -> list:
    """Workers 2..N: the same command on the ports this process bound (SO_REUSEPORT), each
    with its own writer, acknowledging only what it committed; they die with this process."""
    import os
    import subprocess

    command = [sys.executable, "-m", "gridcommand.cli", "serve", "--workers", "1", "--worker-of", str(os.getpid()),
               "--log-level", args.log_level]
    if args.db:
        command += ["--db", args.db]
    command += ["--http", _address(server.bound["http"]) if "http" in server.bound else "off"]
    for name in ("cot-udp", "cot-tcp"):
        if name in server.bound:
            command += [f"--{name}", _address(server.bound[name])]
    return [subprocess.Popen(command + ["--worker-index", str(index)], preexec_fn=_die_with_parent)
            for index in range(1, args.workers)]


def _address(bound: tuple[str, int]) -> str:
    host, port = bound[:2]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _die_with_parent() -> None:
    """In the worker, before exec: SIGKILL when the first process dies, however it dies."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: workers then outlive a killed parent
        pass


def _stop_workers(workers: list, timeout: float = 60) -> int:
    """SIGTERM each worker (each finishes and commits what it read) and wait; the worst status."""
    import signal
    import subprocess

    for proc in workers:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    status = 0
    for proc in workers:
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        # -SIGTERM: stopped while still starting, before it could acknowledge anything.
        status = max(status, 0 if code == -signal.SIGTERM else abs(code))
    return status

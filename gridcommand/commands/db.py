"""`gridcommand db upgrade|seed-demo|import|backup|restore`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core import layers as L
from gridcommand.commands import DB_HELP


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="db_command", metavar="ACTION")
    sub.required = True
    up = sub.add_parser("upgrade", help="create or migrate the schema")
    seed = sub.add_parser("seed-demo", help="load the synthetic demo city (idempotent)")
    history = sub.add_parser("seed-history", help="store the synthetic history 2021-07..2022-08 (raw events; "
                             "reproduces the pilot's figures for 城区二网格 in August 2022)")
    history.add_argument("--scale", type=float, default=1.0,
                         help="share (0, 1] of the other grids' incidents to generate (tests); the pilot grid is whole")
    imp = sub.add_parser("import", help="import a GeoJSON or Shapefile layer")
    imp.add_argument("file", type=Path)
    imp.add_argument("--layer", required=True, choices=L.IMPORTABLE_LAYERS)
    imp.add_argument("--crs", default=None,
                     help="EPSG:XXXX, gcj02 or bd09 (default: a shapefile's .prj, else EPSG:4326); a .prj that "
                          "disagrees rejects the file")
    back = sub.add_parser("backup", help="copy the whole database to a file (SQLite while in use; PostgreSQL "
                                         "with pg_dump)")
    back.add_argument("--out", required=True, type=Path, metavar="FILE")
    back.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    rest = sub.add_parser("restore", help="replace the database by a backup file")
    rest.add_argument("file", type=Path, metavar="FILE")
    rest.add_argument("--force", action="store_true", help="overwrite a database that already exists")
    for p in (up, seed, history, imp, back, rest):
        p.add_argument("--db", metavar="URL", help=DB_HELP)


def open_migrated(url: str | None):
    """Resolve, open and migrate the database; every command that writes starts here."""
    from db.config import resolve_db_url
    from db.engine import open_engine
    from db.migrate import upgrade

    engine = open_engine(resolve_db_url(url))
    upgrade(engine)
    return engine


def open_current(url: str | None):
    """Resolve and open the database for a command that only reads: never migrates (a
    workstation's read must not change a shared schema), never creates a SQLite file.
    A database behind this code is one clear line: run `gridcommand db upgrade`."""
    from sqlalchemy.engine import make_url

    from db.config import resolve_db_url
    from db.engine import DatabaseUnavailable, describe, normalize_url, open_engine
    from db.migrate import current_revision, head_revision

    resolved = resolve_db_url(url)
    hint = "run `gridcommand db upgrade" + (f" --db {describe(resolved)}" if url else "") + "` first"
    try:
        parsed = make_url(normalize_url(resolved))
    except Exception:
        parsed = None  # open_engine words a malformed URL
    if parsed is not None and parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        from pathlib import Path

        if not Path(parsed.database).exists():
            raise DatabaseUnavailable(f"no database at {parsed.database}; {hint}")
    engine = open_engine(resolved)
    current = current_revision(engine)
    if current != head_revision():
        engine.dispose()
        state = "is empty" if current is None else f"is at schema revision {current}, behind this version ({head_revision()})"
        raise DatabaseUnavailable(f"the database {describe(resolved)} {state}; {hint}")
    return engine


def _rejected(args: argparse.Namespace, exc: Exception) -> int:
    from core.feature_validation import FeatureError

    if isinstance(exc, FeatureError):
        print(f"gridcommand: import rejected, nothing was written: {args.file}: {exc}", file=sys.stderr)
    else:
        print(f"gridcommand: import rejected: {exc}", file=sys.stderr)
    return 2


def _backup_or_restore(args: argparse.Namespace) -> int:
    """Neither opens nor migrates the database through the program: a backup is the data as
    it is, and a restore target may not exist yet."""
    from db.backup import BackupError, backup, restore
    from db.config import resolve_db_url
    from db.engine import describe

    url = resolve_db_url(args.db)
    try:
        if args.db_command == "backup":
            result = backup(url, args.out, force=args.force)
            print(f"{describe(url)}: backed up to {result.path} ({result.size} bytes, schema revision "
                  f"{result.revision})")
        else:
            from db.migrate import head_revision

            result = restore(args.file, url, force=args.force)
            behind = result.revision != head_revision()
            print(f"{describe(url)}: restored from {args.file} (schema revision {result.revision})"
                  + ("; run `gridcommand db upgrade` before use" if behind else ""))
    except BackupError as exc:
        print(f"gridcommand db {args.db_command}: {exc}", file=sys.stderr)
        return 2
    return 0


def run(args: argparse.Namespace) -> int:
    from db.engine import describe
    from db.operations import OperationRunner

    if args.db_command in ("backup", "restore"):
        return _backup_or_restore(args)

    prepared = None
    if args.db_command == "import":
        from core.crs import CrsError
        from core.feature_validation import FeatureError
        from db.importer import ImportFileError, prepare_import

        rejections = (ImportFileError, CrsError, FeatureError)
        try:  # before the database is opened: a rejected file creates and migrates nothing
            prepared = prepare_import(args.file, args.layer, args.crs)
        except rejections as exc:
            return _rejected(args, exc)
    from db.config import resolve_db_url

    engine = open_migrated(args.db)
    where = describe(resolve_db_url(args.db))  # as typed, credentials hidden
    if args.db_command == "upgrade":
        from db.migrate import current_revision

        print(f"{where}: schema at revision {current_revision(engine)}")
        return 0
    runner = OperationRunner(engine)
    if args.db_command == "seed-demo":
        from db.seed import seed_demo

        report = seed_demo(runner)
        if report.changed:
            print(f"{where}: demo city seeded; created {report.created}, updated {report.updated}")
        else:
            print(f"{where}: demo city already present; nothing changed")
        return 0
    if args.db_command == "seed-history":
        return _seed_history(runner, where, args.scale)
    from db.importer import import_file

    try:
        result = import_file(runner, args.file, args.layer, args.crs, prepared=prepared)
    except rejections as exc:
        return _rejected(args, exc)
    print(f"{where}: {result.layer}: {result.created} created, {result.updated} updated, "
          f"{result.unchanged} unchanged ({result.total} features from {args.file}, {result.crs})")
    return 0


def _seed_history(runner, where: str, scale: float) -> int:
    import time

    from db.config import load_settings
    from db.seed_history import seed_history

    if not 0 < scale <= 1:
        print(f"gridcommand: --scale: must be in (0, 1], got {scale}", file=sys.stderr)
        return 2
    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {message}", flush=True)

    settings, _ = load_settings()
    report = seed_history(runner, scale=scale, patrol=settings.patrol, progress=progress)
    if report.already_present:
        print(f"{where}: synthetic history already present; nothing changed")
        return 0
    print(f"{where}: synthetic history (合成数据) stored: {report.incidents} incidents, {report.dispatches} "
          f"dispatches, {report.findings} findings, {report.work_orders} work orders, {report.fixes} fixes; "
          f"{report.patrol_events} patrol events detected ({time.perf_counter() - started:.1f} s)")
    return 0

"""`gridcommand db upgrade|seed-demo|import`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core import layers as L


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="db_command", metavar="ACTION")
    sub.required = True
    up = sub.add_parser("upgrade", help="create or migrate the schema")
    seed = sub.add_parser("seed-demo", help="load the synthetic demo city (idempotent)")
    imp = sub.add_parser("import", help="import a GeoJSON or Shapefile layer")
    imp.add_argument("file", type=Path)
    imp.add_argument("--layer", required=True, choices=L.IMPORTABLE_LAYERS)
    imp.add_argument("--crs", default=None,
                     help="EPSG:XXXX, gcj02 or bd09 (default: a shapefile's .prj, else EPSG:4326); a .prj that "
                          "disagrees rejects the file")
    for p in (up, seed, imp):
        p.add_argument("--db", metavar="URL", help="database URL (default: settings, $GRIDCOMMAND_DB, or the local SQLite file)")


def open_migrated(url: str | None):
    """Resolve, open and migrate the database; every command that writes starts here."""
    from db.config import resolve_db_url
    from db.engine import open_engine
    from db.migrate import upgrade

    engine = open_engine(resolve_db_url(url))
    upgrade(engine)
    return engine


def run(args: argparse.Namespace) -> int:
    from db.engine import describe
    from db.operations import OperationRunner

    engine = open_migrated(args.db)
    where = describe(str(engine.url))
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
    from core.crs import CrsError
    from core.feature_validation import FeatureError
    from db.importer import ImportFileError, import_file

    try:
        result = import_file(runner, args.file, args.layer, args.crs)
    except (ImportFileError, CrsError) as exc:
        print(f"gridcommand: import rejected: {exc}", file=sys.stderr)
        return 2
    except FeatureError as exc:
        print(f"gridcommand: import rejected, nothing was written: {args.file}: {exc}", file=sys.stderr)
        return 2
    print(f"{where}: {result.layer}: {result.created} created, {result.updated} updated, "
          f"{result.unchanged} unchanged ({result.total} features from {args.file}, {result.crs})")
    return 0

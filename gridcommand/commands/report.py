"""`gridcommand report --from DATE --to DATE [--grid CODE] --out FILE.pdf|FILE.xlsx`: the period
report (日报 / 周报 / 月报, by the period's length) with the figures of `gridcommand stats` and
the statistics dock's charts. The PDF is one A4 page with its CJK font embedded; the XLSX has
a sheet of figures and one of raw incidents (`incidents export`'s records). Read-only."""
from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from gridcommand.commands.stats import add_period_arguments  # stdlib only: cheap at parser build

FORMATS = (".pdf", ".xlsx")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_period_arguments(parser)
    parser.add_argument("--out", required=True, type=Path, metavar="FILE.pdf|FILE.xlsx",
                        help="where to write the report; its ending picks the format")


def _fail(message: str) -> int:
    print(f"gridcommand report: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    out: Path = args.out
    if out.suffix.lower() not in FORMATS:
        return _fail(f"--out: must end in .pdf or .xlsx, got {out.name!r}")
    if not out.parent.is_dir():
        return _fail(f"--out: no such directory: {out.parent}")
    from core.stats import PeriodError
    from db.config import load_settings
    from db.engine import session_factory
    from gridcommand.commands.db import open_current

    settings, _ = load_settings()
    zone, language = settings.ui.timezone, settings.ui.language
    engine = open_current(args.db)
    try:
        with session_factory(engine)() as session:
            report, tables, incidents = _read(session, args, zone, language, out.suffix.lower() == ".xlsx")
    except PeriodError as exc:
        return _fail(str(exc))
    finally:
        engine.dispose()
    # Written beside the target, then moved into place: a failure leaves no half-written report.
    part = out.with_name(f".{out.name}.part")
    try:
        if out.suffix.lower() == ".pdf":
            from desktop.report_pdf import ReportError, write_pdf

            try:
                write_pdf(report, part, language=language, category_labels=tables["category"],
                          generated_at=datetime.now(timezone.utc).astimezone(_zone(zone)))
            except ReportError as exc:
                return _fail(str(exc))
        else:
            from gridcommand.commands.report_files import write_xlsx

            write_xlsx(report, incidents, part, tables)
        os.replace(part, out)
    finally:
        part.unlink(missing_ok=True)
    from core.report_periods import period_name

    print(f"{period_name(report.start, report.end, language)} {report.start}..{report.end} "
          f"{report.grid_code or 'city'}: written to {out}")
    return 0


def _zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def _read(session, args, zone: str, language: str, with_incidents: bool):
    """The period's report, the names of the codes its incidents carry, and (for the XLSX) the
    raw incidents."""
    from db.code_tables_repo import load_code_tables
    from db.incident_export import export_incidents
    from db.stats_repo import load_period_report
    from gridcommand.commands.report_files import CODED

    report = load_period_report(session, start=args.start, end=args.end, grid_code=args.grid, time_zone=zone,
                                now=datetime.now(timezone.utc))
    code_tables = load_code_tables(session)
    tables = {name: {e.code: e.label(language) for e in code_tables.get(name, [])} for name in CODED}
    incidents = (export_incidents(session, start=args.start, end=args.end, grid_code=args.grid, time_zone=zone)
                 if with_incidents else [])
    return report, tables, incidents

"""`gridcommand gui`: the desktop command map."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="URL", help="database URL (default: settings, $GRIDCOMMAND_DB, or the local SQLite file)")
    parser.add_argument("--demo", action="store_true", help="use the demo database in the user data directory, seeding it if empty")
    parser.add_argument("--lang", choices=("zh_CN", "en"), help="interface language (default: settings, zh_CN)")
    parser.add_argument("--theme", choices=("light", "dark"), help="colours: light (workstation, default) or dark (command hall)")
    parser.add_argument("--screenshot", type=Path, metavar="PNG", help="render the window once the map is drawn, write the PNG and exit")
    parser.add_argument("--wall", action="store_true", help="the command-hall wall display: full screen, dark, read-only")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--screen", type=int, metavar="N", help="with --wall: the screen to fill (0 = the first)")
    where.add_argument("--span", action="store_true", help="with --wall: span every screen (a video wall)")


def run(args: argparse.Namespace) -> int:
    from desktop.app import GuiOptions, run_gui

    if (args.screen is not None or args.span) and not args.wall:
        print("gridcommand: --screen and --span go with --wall", file=sys.stderr)
        return 2
    options = GuiOptions(db_url=args.db, demo=args.demo, language=args.lang, theme=args.theme, screenshot=args.screenshot,
                         save_settings=args.screenshot is None and not args.wall, wall=args.wall, screen=args.screen,
                         span=args.span)
    if args.wall:
        from desktop.wall.app import run_wall

        return run_wall(options)
    return run_gui(options)

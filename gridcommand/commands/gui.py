"""`gridcommand gui`: the desktop command map."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from gridcommand.commands import DB_HELP

NO_DISPLAY = ("no display to open a window on: run it under xvfb-run (xvfb-run -a gridcommand gui ...) "
              "or set QT_QPA_PLATFORM=offscreen")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="URL", help=DB_HELP)
    parser.add_argument("--demo", action="store_true", help="use the demo database in the user data directory, seeding it if empty")
    parser.add_argument("--lang", choices=("zh_CN", "en"), help="interface language (default: settings, zh_CN)")
    parser.add_argument("--theme", choices=("light", "dark"), help="colours: light (workstation, default) or dark (command hall)")
    parser.add_argument("--screenshot", type=Path, metavar="PNG", help="render the window once the map is drawn, write the PNG and exit")
    parser.add_argument("--wall", action="store_true", help="the command-hall wall display: full screen, dark, read-only")
    replay = parser.add_argument_group("training replay (read-only)")
    replay.add_argument("--replay", action="store_true", help="open a replay window over recorded history instead of the live map")
    replay.add_argument("--from", dest="replay_from", type=_time_arg, metavar="ISO", help="with --replay: the window's start")
    replay.add_argument("--to", dest="replay_to", type=_time_arg, metavar="ISO", help="with --replay: the window's end")
    replay.add_argument("--incident", metavar="ID", help="with --replay: the window around one incident (number or id)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--screen", type=int, metavar="N", help="with --wall: the screen to fill (0 = the first)")
    where.add_argument("--span", action="store_true", help="with --wall: span every screen (a video wall)")


def _time_arg(text: str):
    from gridcommand.commands.track import parse_time_arg

    return parse_time_arg(text)


def display_problem(screenshot: bool, environ=os.environ, platform: str = sys.platform) -> str | None:
    """Why Qt could not open a window here, before Qt tries (its own message is a
    misleading hint about the xcb plugin, then an abort). A screenshot needs no
    screen: it falls back to the offscreen platform by itself."""
    if not platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return None
    qpa = environ.get("QT_QPA_PLATFORM", "")
    if qpa and not qpa.startswith(("xcb", "wayland")):
        return None  # offscreen, vnc, eglfs…: the user chose
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    if screenshot:
        environ["QT_QPA_PLATFORM"] = "offscreen"
        return None
    return NO_DISPLAY


def run(args: argparse.Namespace) -> int:
    problem = display_problem(args.screenshot is not None)
    if problem:
        print(f"gridcommand gui: {problem}", file=sys.stderr)
        return 2
    if (args.screen is not None or args.span) and not args.wall:
        print("gridcommand: --screen and --span go with --wall", file=sys.stderr)
        return 2
    from desktop.app import GuiOptions, run_gui
    from desktop.runtime import application, quit_on_signals
    from gridcommand.logs import configure_logging

    configure_logging("WARNING")  # the demo's embedded ingest logs rejected reports
    quit_on_signals(application())
    options = GuiOptions(db_url=args.db, demo=args.demo, language=args.lang, theme=args.theme, screenshot=args.screenshot,
                         save_settings=args.screenshot is None and not args.wall, wall=args.wall, screen=args.screen,
                         span=args.span)
    if args.replay or args.replay_from or args.replay_to or args.incident:
        if not args.replay:
            print("gridcommand: --from, --to and --incident go with --replay", file=sys.stderr)
            return 2
        if args.incident is None and (args.replay_from is None or args.replay_to is None):
            print("gridcommand: --replay needs --from and --to, or --incident", file=sys.stderr)
            return 2
        from core.replay_frame import ReplayRequest
        from desktop.replay.run import run_replay

        options.save_settings = False  # a replay leaves the live window's settings alone
        return run_replay(options, ReplayRequest(args.replay_from, args.replay_to, args.incident))
    if args.wall:
        from desktop.wall.app import run_wall

        return run_wall(options)
    return run_gui(options)

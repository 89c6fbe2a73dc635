"""The one typed, versioned settings object.

Pure data: loading and saving the TOML file lives in ``db.config``. Unknown keys
are ignored and wrong types fall back to defaults, so a hand-edited file can never
stop the app from starting; ``problems`` tells the user what was ignored.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any

SETTINGS_VERSION = 1

BASEMAP_KINDS = ("none", "mbtiles", "url")
BASEMAP_CRS = ("wgs84", "gcj02", "bd09")
LANGUAGES = ("zh_CN", "en")
THEMES = ("light", "dark")  # workstation / command-hall wall


@dataclass
class DatabaseSettings:
    url: str = ""  # empty: the SQLite file in the user data directory


@dataclass
class BasemapSettings:
    kind: str = "none"  # none: the demo's vector streets only
    mbtiles_path: str = ""
    url: str = ""  # e.g. an intranet XYZ server: http://10.1.2.3/tiles/{z}/{x}/{y}.png
    crs: str = "wgs84"  # the basemap's coordinate system; overlays are shifted to match
    attribution: str = ""
    max_zoom: int = 19


@dataclass
class MapSettings:
    center_lon: float = 112.083
    center_lat: float = 32.684
    zoom: int = 15
    label_min_zoom: int = 15  # unit callsigns appear from this zoom


@dataclass
class UiSettings:
    language: str = "zh_CN"
    timezone: str = "Asia/Shanghai"
    theme: str = "light"  # light (workstations) | dark (the command-hall wall)
    workstation: str = ""  # empty: the host name
    window_geometry: str = ""  # base64 of QMainWindow.saveGeometry()
    window_state: str = ""  # base64 of QMainWindow.saveState(): the dock layout


@dataclass
class LiveSettings:
    stale_after_s: int = 60
    future_tolerance_s: int = 30  # fixes further ahead of the server clock than this are rejected
    trail_minutes: int = 10
    rejects_keep: int = 10000  # rows kept in the rejected-reports table
    # A fix implying more than this from its unit's live position is kept in history,
    # flagged, and does not move the unit ("impossible", not "unusual").
    max_speed_foot_kmh: float = 150.0
    max_speed_ebike_kmh: float = 150.0
    max_speed_car_kmh: float = 300.0
    # `gridcommand serve` listeners: open connections (more: the newest is closed), seconds
    # a request may take to arrive (slowloris), seconds a connection may sit idle.
    max_connections: int = 4096
    request_timeout_s: float = 10.0
    idle_timeout_s: float = 120.0
    # While the database is unreachable `serve` keeps acknowledged fixes here (fsync'd),
    # at most spool_max_fixes of them; past that it answers 503 and devices keep their own
    # buffer. Empty: "spool" in the data directory.
    spool_dir: str = ""
    spool_max_fixes: int = 200_000


@dataclass
class DispatchSettings:
    """Travel-time model and incident rules (docs/domain.md: configurable, never in code)."""

    speed_foot_kmh: float = 5.0
    speed_ebike_kmh: float = 20.0
    speed_car_kmh: float = 30.0
    turnout_s: float = 30.0  # from the order to moving
    detour_factor: float = 1.3  # straight-line estimates only
    ring_mode: str = "ebike"  # the travel mode whose 1/3/5-minute rings are drawn
    arrival_radius_m: float = 50.0  # plus the fix's accuracy
    duplicate_radius_m: float = 200.0
    duplicate_window_min: float = 30.0
    handling_overrun_min: float = 30.0  # on scene this long without a result: suggest escalating
    escalate_levels: list = field(default_factory=lambda: ["major", "serious"])
    backdate_max_days: float = 30.0  # an incident's received_at may be at most this far back


@dataclass
class PatrolSettings:
    """Patrol duty detection (core.patrol_detect); the defaults are the issue's numbers."""

    point_radius_m: float = 50.0  # default radius of a new must-visit point
    dwell_s: float = 120.0  # default minimum stay for a check-in
    line_buffer_m: float = 30.0  # default corridor either side of a must-patrol line
    bridge_gap_s: float = 120.0  # noise and gaps this short do not end a stay, a pass or a joint patrol
    joint_distance_m: float = 50.0
    joint_min_minutes: float = 10.0
    joint_step_s: float = 60.0  # positions are compared once per step (each side's newest fix in it)
    station_radius_m: float = 100.0  # time together this close to a station is not a joint patrol
    max_accuracy_m: float = 250.0  # vaguer fixes (cell towers) prove nothing
    late_horizon_h: float = 12.0  # the live detector takes fixes up to this late; older: `patrol rebuild`
    line_pass_min_pct: float = 80.0  # a pass covering this share of a line counts toward passes per shift
    unseen_after_min: float = 30.0  # the dock flags on-duty units not seen in their grid this long


@dataclass
class ApiSettings:
    token: str = ""  # bearer token for POST /api/v1/...; empty refuses every request


@dataclass
class SecuritySettings:
    """Log-in (users: `gridcommand user`; API clients: `gridcommand token`)."""

    max_failed_logins: int = 5  # wrong passwords in a row before the account locks
    lockout_minutes: float = 15.0  # how long it stays locked
    idle_lock_minutes: float = 10.0  # the desktop locks after this long without input; 0: never


@dataclass
class DemoSettings:
    """What the simulated city does by itself (`gui --demo`, `gridcommand simulate`)."""

    terminal_sign_off_s: float = 5.0  # a simulated unit's terminal signs off (签收) an order after this; 0: by hand
    terminal_reports: bool = True  # terminals report 出警 on setting off and 反馈 + release when handling ends
    incidents_per_hour: float = 4.0  # demo incidents `gui --demo` raises (`simulate`: --incidents-per-hour, off)


@dataclass
class WorkOrderSettings:
    """The 13710 deadlines and warning windows (docs/domain.md; issue 9). Defaults follow the
    authoritative definition; places that read it as 1/3/7/10 days set
    resolve_major_months = 0 and resolve_major_hours = 240. An order keeps the deadlines
    in force when it was issued."""

    timezone: str = "Asia/Shanghai"  # whose calendar day "the same day" is
    deploy_extra_days: int = 0  # 0: deploy by the end of the issue day
    progress_hours: int = 72
    resolve_ordinary_hours: int = 168
    resolve_major_months: int = 1  # calendar months; 0 uses resolve_major_hours
    resolve_major_hours: int = 720
    warn_progress_hours: int = 24
    warn_resolve_ordinary_hours: int = 48
    warn_resolve_major_hours: int = 120
    photo_max_bytes: int = 5 * 1024 * 1024
    assigning_unit: str = "城警联勤指挥中心"  # the default 交办单位 on new orders


@dataclass
class WallSettings:
    """The command-hall wall (`gridcommand gui --wall`): read-only, no forms, no dialogs."""

    cycle_s: int = 20  # seconds on each view of the auto-cycle (city, each grid, the chosen incident)
    flash_s: int = 30  # a new incident of a flashing level flashes and holds the map this long
    flash_levels: list = field(default_factory=lambda: ["serious", "major"])  # 重大, 较大
    burn_in_px: int = 4  # the layout moves within ±this many pixels …
    burn_in_minutes: float = 3.0  # … every this many minutes
    refresh_s: int = 15  # figures are re-read at least this often, and on every change
    ticker_rows: int = 12
    reconnect_max_s: int = 30  # reconnect back-off doubles from 1 s up to this
    font_px: int = 0  # body text size in pixels; 0: from the screen height (height / 45)
    # Callsign labels only from this zoom (the workstation's is map.label_min_zoom): across a
    # room a grid full of labels is noise, and each label costs the page memory. 17 keeps
    # them off the city and grid views and on an incident's close-up.
    label_min_zoom: int = 17


@dataclass
class Settings:
    version: int = SETTINGS_VERSION
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    basemap: BasemapSettings = field(default_factory=BasemapSettings)
    map: MapSettings = field(default_factory=MapSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    live: LiveSettings = field(default_factory=LiveSettings)
    dispatch: DispatchSettings = field(default_factory=DispatchSettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    demo: DemoSettings = field(default_factory=DemoSettings)
    workorders: WorkOrderSettings = field(default_factory=WorkOrderSettings)
    patrol: PatrolSettings = field(default_factory=PatrolSettings)
    wall: WallSettings = field(default_factory=WallSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def validate(self) -> list[str]:
        """Human-readable problems with values that are well-typed but not allowed."""
        problems = []
        if self.basemap.kind not in BASEMAP_KINDS:
            problems.append(f"basemap.kind must be one of {BASEMAP_KINDS}")
        if self.basemap.crs not in BASEMAP_CRS:
            problems.append(f"basemap.crs must be one of {BASEMAP_CRS}")
        if self.basemap.kind == "mbtiles" and not self.basemap.mbtiles_path:
            problems.append("basemap.kind is mbtiles but basemap.mbtiles_path is empty")
        if self.basemap.kind == "url" and "{z}" not in self.basemap.url:
            problems.append("basemap.url must contain {z}, {x} and {y}")
        if self.dispatch.ring_mode not in ("foot", "ebike", "car"):
            problems.append("dispatch.ring_mode must be foot, ebike or car")
        problems.extend(self.workorders_problems())
        if self.ui.language not in LANGUAGES:
            problems.append(f"ui.language must be one of {LANGUAGES}")
        if self.ui.theme not in THEMES:
            problems.append(f"ui.theme must be one of {THEMES}")
        if self.demo.incidents_per_hour < 0 or self.demo.terminal_sign_off_s < 0:
            problems.append("demo.incidents_per_hour and demo.terminal_sign_off_s must not be negative")
        if self.wall.cycle_s < 5:
            problems.append("wall.cycle_s must be at least 5")
        if not 0 <= self.wall.burn_in_px <= 20:
            problems.append("wall.burn_in_px must be between 0 and 20")
        return problems

    def workorders_problems(self) -> list[str]:
        """Bad values fall back to their defaults (deadlines must always be computable)."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        problems, defaults = [], WorkOrderSettings()
        try:
            ZoneInfo(self.workorders.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"workorders.timezone {self.workorders.timezone!r} is not a known time zone; "
                            f"using {defaults.timezone}")
            self.workorders.timezone = defaults.timezone
        for name in ("progress_hours", "resolve_ordinary_hours", "resolve_major_hours", "photo_max_bytes"):
            if getattr(self.workorders, name) <= 0:
                problems.append(f"workorders.{name} must be positive; using {getattr(defaults, name)}")
                setattr(self.workorders, name, getattr(defaults, name))
        return problems


# Allowed ranges of numeric settings, (low, high) with None for no bound; ``low`` is
# exclusive for the keys in _ABOVE (a speed of 0 would divide by zero later, a
# negative staleness would call every fix stale). A value outside is rejected at load,
# naming the key, and the default stays.
LIMITS: dict[str, tuple[float | None, float | None]] = {
    "basemap.max_zoom": (0, 24),
    "map.center_lon": (-180, 180), "map.center_lat": (-90, 90), "map.zoom": (0, 24), "map.label_min_zoom": (0, 24),
    "wall.label_min_zoom": (0, 24),
    "live.stale_after_s": (0, None), "live.future_tolerance_s": (0, None), "live.trail_minutes": (0, None),
    "live.rejects_keep": (0, None), "live.spool_max_fixes": (0, None),
    "dispatch.speed_foot_kmh": (0, 300), "dispatch.speed_ebike_kmh": (0, 300), "dispatch.speed_car_kmh": (0, 300),
    "dispatch.turnout_s": (0, None), "dispatch.detour_factor": (1, None), "dispatch.arrival_radius_m": (0, None),
    "dispatch.duplicate_radius_m": (0, None), "dispatch.duplicate_window_min": (0, None),
    "dispatch.handling_overrun_min": (0, None),
    "security.max_failed_logins": (1, 100), "security.lockout_minutes": (0, None),
    "security.idle_lock_minutes": (0, None),
}
_ABOVE = frozenset({"live.stale_after_s", "live.rejects_keep", "live.spool_max_fixes", "dispatch.speed_foot_kmh", "dispatch.speed_ebike_kmh",
                    "dispatch.speed_car_kmh", "dispatch.arrival_radius_m", "dispatch.handling_overrun_min"})


def _out_of_range(key: str, value: float) -> str | None:
    """Why ``value`` is not allowed for ``key``, or None."""
    if value != value or value in (float("inf"), float("-inf")):
        return "must be a finite number"
    low, high = LIMITS.get(key, (None, None))
    if low is not None and (value <= low if key in _ABOVE else value < low):
        return f"must be {'>' if key in _ABOVE else '>='} {low:g}"
    if high is not None and value > high:
        return f"must be <= {high:g}"
    return None


def _fill(cls: type, data: Any, path: str, problems: list[str]) -> Any:
    obj = cls()
    if not isinstance(data, dict):
        problems.append(f"{path or 'settings'}: expected a table, ignored")
        return obj
    for f in fields(cls):
        if f.name not in data:
            continue
        current = getattr(obj, f.name)
        value = data[f.name]
        key = f"{path}.{f.name}" if path else f.name
        if is_dataclass(current):
            setattr(obj, f.name, _fill(type(current), value, key, problems))
        elif isinstance(current, bool) != isinstance(value, bool):
            problems.append(f"{key}: expected {type(current).__name__}, ignored")
        elif isinstance(current, (int, float)) and isinstance(value, (int, float)) \
                and (why := _out_of_range(key, value)) is not None:
            problems.append(f"{key} = {value!r}: {why}; using the default {current!r}")
        elif isinstance(current, float) and isinstance(value, (int, float)):
            setattr(obj, f.name, float(value))
        elif isinstance(value, type(current)):
            setattr(obj, f.name, value)
        else:
            problems.append(f"{key}: expected {type(current).__name__}, ignored")
    return obj


def settings_from_dict(data: dict[str, Any]) -> tuple[Settings, list[str]]:
    """Build settings from parsed TOML; returns the settings and what was ignored."""
    problems: list[str] = []
    version = data.get("version", SETTINGS_VERSION) if isinstance(data, dict) else SETTINGS_VERSION
    if isinstance(version, int) and version > SETTINGS_VERSION:
        problems.append(f"settings version {version} is newer than this program ({SETTINGS_VERSION}); unknown keys ignored")
    settings = _fill(Settings, data, "", problems)
    settings.version = SETTINGS_VERSION
    problems.extend(settings.validate())
    return settings, problems

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
    future_tolerance_s: int = 300  # fixes further ahead than this are rejected
    trail_minutes: int = 10
    rejects_keep: int = 10000  # rows kept in the rejected-reports table


@dataclass
class DispatchSettings:
    """Travel-time model and incident rules (DOMAIN.md: configurable, never in code)."""

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


@dataclass
class ApiSettings:
    token: str = ""  # bearer token for POST /api/v1/...; empty refuses every request


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
    wall: WallSettings = field(default_factory=WallSettings)

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
        if self.ui.language not in LANGUAGES:
            problems.append(f"ui.language must be one of {LANGUAGES}")
        if self.ui.theme not in THEMES:
            problems.append(f"ui.theme must be one of {THEMES}")
        if self.wall.cycle_s < 5:
            problems.append("wall.cycle_s must be at least 5")
        if not 0 <= self.wall.burn_in_px <= 20:
            problems.append("wall.burn_in_px must be between 0 and 20")
        return problems


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

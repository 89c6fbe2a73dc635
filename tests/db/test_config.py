"""Settings: typed, versioned, stored as TOML; a broken file never stops the app."""
from core.settings import Settings, settings_from_dict
from db.config import default_db_url, load_settings, resolve_db_url, save_settings


def test_round_trip(tmp_path):
    s = Settings()
    s.basemap.kind = "url"
    s.basemap.url = "http://10.0.0.5/tiles/{z}/{x}/{y}.png"
    s.basemap.crs = "gcj02"
    s.ui.window_state = "AAAA"
    path = save_settings(s, tmp_path / "settings.toml")
    loaded, problems = load_settings(path)
    assert problems == []
    assert loaded == s


def test_broken_file_gives_defaults_and_a_problem(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("[basemap\nkind = ", encoding="utf-8")
    loaded, problems = load_settings(path)
    assert loaded == Settings()
    assert "cannot be read" in problems[0]


def test_wrong_types_and_unknown_keys_are_ignored_with_a_note():
    loaded, problems = settings_from_dict({"map": {"zoom": "high", "center_lon": 112}, "nonsense": 1,
                                           "basemap": {"kind": "satellite"}})
    assert loaded.map.zoom == Settings().map.zoom
    assert loaded.map.center_lon == 112.0
    assert any("map.zoom" in p for p in problems)
    assert any("basemap.kind" in p for p in problems)


def test_database_url_precedence(monkeypatch):
    s = Settings()
    monkeypatch.delenv("GRIDCOMMAND_DB", raising=False)
    assert resolve_db_url(None, s) == default_db_url()
    s.database.url = "postgresql://settings/db"
    assert resolve_db_url(None, s) == "postgresql://settings/db"
    monkeypatch.setenv("GRIDCOMMAND_DB", "postgresql://env/db")
    assert resolve_db_url(None, s) == "postgresql://env/db"
    assert resolve_db_url("sqlite:///cli.sqlite", s) == "sqlite:///cli.sqlite"


def test_redacted_urls_hide_only_the_password():
    from db.config import redact_url

    assert redact_url("postgresql://gc:s3cret@db.lan:5432/gridcommand") == "postgresql://gc:***@db.lan:5432/gridcommand"
    assert redact_url("sqlite:////home/u/.local/share/gridcommand/gridcommand.sqlite").endswith("gridcommand.sqlite")
    assert redact_url("postgresql://gc@db.lan/gridcommand") == "postgresql://gc@db.lan/gridcommand"


def test_out_of_range_values_are_rejected_at_load_naming_the_field(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("version = 1\n[dispatch]\nspeed_car_kmh = 0\nspeed_foot_kmh = 4.5\ndetour_factor = 0.5\n"
                    "[live]\nstale_after_s = -5\ntrail_minutes = 0\n[map]\ncenter_lat = 95.0\nzoom = 30\n"
                    "[basemap]\nmax_zoom = nan\n", encoding="utf-8")
    path.chmod(0o600)  # a file others may read is a problem of its own (said at start)
    loaded, problems = load_settings(path)
    defaults = Settings()
    assert (loaded.dispatch.speed_car_kmh, loaded.live.stale_after_s) == (30.0, 60)
    assert (loaded.dispatch.detour_factor, loaded.map.center_lat, loaded.map.zoom) == (
        defaults.dispatch.detour_factor, defaults.map.center_lat, defaults.map.zoom)
    assert loaded.dispatch.speed_foot_kmh == 4.5 and loaded.live.trail_minutes == 0  # in range: kept
    assert "dispatch.speed_car_kmh = 0: must be > 0; using the default 30.0" in problems
    assert "live.stale_after_s = -5: must be > 0; using the default 60" in problems
    assert "dispatch.detour_factor = 0.5: must be >= 1; using the default 1.3" in problems
    assert "map.center_lat = 95.0: must be <= 90; using the default 32.684" in problems
    assert any(p.startswith("map.zoom = 30: must be <= 24") for p in problems)
    assert any(p.startswith("basemap.max_zoom = nan: must be a finite number") for p in problems)
    assert len(problems) == 6


def test_a_file_from_a_newer_version_keeps_what_it_can_and_says_so():
    loaded, problems = settings_from_dict({"version": 7, "map": {"zoom": 12}, "dispatch": {"speed_car_kmh": 40},
                                           "wall": {"theme": "dark"}})
    assert (loaded.version, loaded.map.zoom, loaded.dispatch.speed_car_kmh) == (1, 12, 40.0)
    assert problems == ["settings version 7 is newer than this program (1); unknown keys ignored"]


def test_unreadable_and_non_utf8_files_give_defaults_and_a_problem(tmp_path):
    folder = tmp_path / "settings.toml"
    folder.mkdir()  # exists but cannot be read as a file (chmod does not stop root)
    loaded, problems = load_settings(folder)
    assert loaded == Settings() and len(problems) == 1
    assert problems[0].startswith(f"{folder}: cannot be read") and problems[0].endswith("using defaults")
    gbk = tmp_path / "gbk.toml"
    gbk.write_bytes('[ui]\nworkstation = "指挥中心"\n'.encode("gbk"))
    loaded, problems = load_settings(gbk)
    assert loaded == Settings() and "cannot be read" in problems[0]

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

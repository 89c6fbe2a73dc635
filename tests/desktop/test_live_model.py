"""The LiveModel's throttle towards the views: at most ten signals a second, and a batch
after a quiet spell is passed on at once (no fixed tick's latency)."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from core.units import LastFix, UnitInfo
from db.change_feed import FeedBatch
from desktop.live.live_model import FLUSH_INTERVAL_MS, LiveModel

T0 = datetime(2026, 8, 1, 12, 0, tzinfo=timezone.utc)


def _units(n: int) -> list[UnitInfo]:
    return [UnitInfo(unit_id=i, callsign=f"U{i}", name=f"U{i}", agency="police", force="grid_patrol", tier=1,
                     travel_mode="car", status="available", grid_code="G01") for i in range(1, n + 1)]


def _batch(k: int, ids) -> FeedBatch:
    when = T0 + timedelta(seconds=k)
    return FeedBatch(fixes={i: LastFix(time=when, lon=112.0 + k * 1e-4, lat=32.0) for i in ids})


def test_a_batch_after_a_quiet_spell_reaches_the_views_at_once(qtbot):
    model = LiveModel()
    model.load(_units(3))
    heard: list[tuple[float, list[int]]] = []
    model.sig_units_changed.connect(lambda ids: heard.append((time.monotonic(), ids)))
    model.apply(_batch(1, [1, 2]))
    assert heard and heard[0][1] == [1, 2]  # synchronously, within apply()
    model.stop()


def test_batches_closer_than_the_interval_are_coalesced_not_lost(qtbot):
    model = LiveModel()
    model.load(_units(3))
    heard: list[tuple[float, list[int]]] = []
    model.sig_units_changed.connect(lambda ids: heard.append((time.monotonic(), ids)))
    model.apply(_batch(1, [1]))
    model.apply(_batch(2, [2]))
    model.apply(_batch(3, [3, 1]))
    assert [ids for _, ids in heard] == [[1]]  # the rest waits for the interval's end
    qtbot.waitUntil(lambda: len(heard) == 2, timeout=2000)
    assert heard[1][1] == [1, 2, 3]  # every unit moved since is passed on, once
    gap_ms = (heard[1][0] - heard[0][0]) * 1000
    assert gap_ms >= FLUSH_INTERVAL_MS - 5  # never faster than ten a second
    assert model.units[1].last_fix.time == T0 + timedelta(seconds=3)
    model.stop()


def test_a_stopped_model_signals_nothing(qtbot):
    model = LiveModel()
    model.load(_units(2))
    model.apply(_batch(1, [1]))
    heard = []
    model.sig_units_changed.connect(heard.append)
    model.apply(_batch(2, [2]))  # within the interval: waits for the timer
    model.stop()
    qtbot.wait(FLUSH_INTERVAL_MS * 2)
    assert heard == []

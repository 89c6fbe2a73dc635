"""The replay's small widgets alone: the File → Replay dialog and the timeline bar."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from PySide6.QtCore import QDateTime

from core.replay_state import Tick
from desktop.replay.open_dialog import ReplayDialog
from desktop.replay.timeline import TimelineBar

NOW = datetime(2026, 12, 2, 2, 0, tzinfo=timezone.utc)


def test_the_dialog_asks_for_a_window_or_an_incident_and_names_a_bad_field(qtbot):
    dialog = ReplayDialog("Asia/Shanghai", now=NOW)
    qtbot.addWidget(dialog)
    start = dialog._utc(dialog.start_edit)
    assert start == NOW - timedelta(hours=12)
    dialog.end_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int((start - timedelta(minutes=5)).timestamp())))
    dialog._on_accept()
    assert dialog.request is None and dialog.problem_field == "to" and dialog.error.text()
    dialog.end_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int((start + timedelta(hours=1)).timestamp())))
    dialog._on_accept()
    assert (dialog.request.start, dialog.request.end, dialog.request.incident) == (start, start + timedelta(hours=1),
                                                                                   None)
    other = ReplayDialog("Asia/Shanghai", now=NOW)
    qtbot.addWidget(other)
    other.by_incident.setChecked(True)
    other._on_accept()
    assert other.request is None and other.problem_field == "incident"
    other.incident_edit.setText(" JQ20261201-0005 ")
    other.incident_edit.textEdited.emit(other.incident_edit.text())
    other._on_accept()
    assert other.request.incident == "JQ20261201-0005"


def test_typed_times_are_local_and_a_window_across_midnight_takes_the_next_day(qtbot):
    bar = TimelineBar("Asia/Shanghai")
    qtbot.addWidget(bar)
    start = datetime(2026, 12, 1, 15, 30, tzinfo=timezone.utc)  # 23:30 in the city
    bar.set_window(start, start + timedelta(hours=2), [Tick(start + timedelta(minutes=5), "received", 7)],
                   {7: "JQ-7"})
    assert bar.isEnabled() and "JQ-7" in bar.describe_tick(0) and "23:35:00" in bar.describe_tick(0)
    assert bar.parse_time("23:45") == start + timedelta(minutes=15)
    assert bar.parse_time("00:10:30") == start + timedelta(minutes=40, seconds=30)  # after midnight
    assert bar.parse_time("2026-12-02 01:00") == start + timedelta(hours=1, minutes=30)
    assert bar.parse_time("2026-12-01T15:45:00+00:00") == start + timedelta(minutes=15)
    for bad in ("", "noon", "24:00", "12:60", "1:2:3:4"):
        assert bar.parse_time(bad) is None, bad
    seen = []
    bar.sig_seek_requested.connect(seen.append)
    bar.jump_edit.setText("23:45")
    bar._on_jump()
    assert seen == [start + timedelta(minutes=15)] and not bar.error_label.isVisibleTo(bar)
    bar.jump_edit.setText("22:00")  # before the window, and the next day's 22:00 is after it
    bar._on_jump()
    assert len(seen) == 1 and bar.error_label.isVisibleTo(bar)

"""The replay window end to end in the real page (issue 11's "Done when"): a trainer opens
last night's demo history, finds an incident on the timeline, watches at 60x, the
replay pauses at the intake moment, the trainee picks units and sees the score."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QPoint, Qt

from tests.desktop.conftest import run_js

pytestmark = pytest.mark.webengine

NIGHT = datetime(2026, 11, 29, 13, 0, tzinfo=timezone.utc)  # 21:00 in the city
MINUTES = 20


@pytest.fixture
def night(demo_engine):
    from feeds.demo_history import record_demo_history

    history = record_demo_history(demo_engine, NIGHT, MINUTES, incidents_per_hour=12, seed=3)
    assert history.incidents and history.dispatched
    return demo_engine


@pytest.fixture
def replay(qtbot, qapp, night, settings):
    from desktop.replay.app import ReplayApp
    from desktop.workspace import Place

    place = Place(db_url=str(night.url), language="zh_CN", timezone=settings.ui.timezone)
    app = ReplayApp(settings, place, NIGHT, NIGHT + timedelta(minutes=MINUTES), engine=night)
    qtbot.addWidget(app.window)
    app.window.show()
    with qtbot.waitSignal(app.sig_startup_completed, timeout=60000):
        app.start()
    qtbot.waitUntil(lambda: app.scene.ready, timeout=30000)
    yield app
    app.controller.stop()
    app.ws.close()
    app.window.close()
    app.map_view.dispose()


def _unit_js(qtbot, app, unit_id: int) -> dict | None:
    return json.loads(run_js(qtbot, app.map_view, f"JSON.stringify(gridmap.unitState({unit_id}))"))


def test_a_trainer_watches_an_incident_at_60x_pauses_at_intake_and_scores_a_what_if(qtbot, replay, night):
    from core.drills import score_choice
    from db.drill_ops import drill_report
    from db.engine import session_factory
    from db.incident_ops import create_incident
    from db.operations import ReadOnlyRefused

    app, window, controller = replay, replay.window, replay.controller
    source = controller.source
    # The timeline shows the night's events; the trainer finds an incident received a few minutes in.
    assert window.timeline.slider.marks and len(window.timeline.slider.marks) == len(source.ticks)
    assert {"received", "dispatch", "arrival", "checkin"} <= {t.kind for t in source.ticks}
    timeline = window.timeline
    xs = {i: timeline.tick_x(i) for i, t in enumerate(source.ticks) if t.kind == "received"}
    # An incident a few minutes in whose tick stands clear of the others, to click on.
    index = next(i for i, x in xs.items() if source.ticks[i].at >= NIGHT + timedelta(minutes=4)
                 and all(abs(x - other) > 10 for j, other in xs.items() if j != i))
    intake, incident_id = source.ticks[index].at, source.ticks[index].incident_id
    number = next(i.number for i in source.history.incidents if i.id == incident_id)
    assert number in timeline.describe_tick(index)  # what hovering the tick says
    # Clicking it goes two minutes before the call.
    with qtbot.waitSignal(controller.sig_frame_rendered, timeout=5000):
        qtbot.mouseClick(timeline.slider, Qt.MouseButton.LeftButton,
                         pos=QPoint(timeline.tick_x(index), timeline.slider.height() // 2))
    assert app.ws.now() == intake - timedelta(minutes=2)
    assert incident_id not in {i.id for i in controller.frame.incidents}  # not received yet
    placed = dict(app.live.units)
    assert placed, "units are on the map at the replay time"
    # The page drew every unit placed at that time (and no other).
    qtbot.waitUntil(lambda: run_js(qtbot, app.map_view, "gridmap.unitCount()") == len(placed), timeout=10000)
    moving = next(iter(placed))
    start_js = _unit_js(qtbot, app, moving)
    assert (start_js["lat"], start_js["lng"]) == pytest.approx((placed[moving].last_fix.lat,
                                                                 placed[moving].last_fix.lon))

    # Watch at 60x: the replay stops by itself at the intake moment.
    window.timeline.speed_box.setCurrentIndex(window.timeline.speed_box.findData(60))
    assert app.ws.replay_clock.rate == 60
    with qtbot.waitSignal(controller.sig_intake_paused, timeout=30000) as paused:
        qtbot.mouseClick(window.timeline.play_button, Qt.MouseButton.LeftButton)
    assert paused.args == [incident_id]
    assert not app.ws.replay_clock.playing and app.ws.now() == intake
    assert not window.timeline.play_button.isChecked()
    # The incident appeared (received) on the map and in the list, selected; units moved on the page.
    assert controller.selected_id == incident_id
    assert incident_id in {i.id for i in controller.frame.incidents}
    qtbot.waitUntil(lambda: run_js(qtbot, app.map_view, f"gridmap.incidentState({incident_id}) !== null"), timeout=5000)
    moved = [uid for uid in placed if uid in app.live.units and app.live.units[uid].last_fix != placed[uid].last_fix]
    assert moved, "two replayed minutes moved the units"
    qtbot.waitUntil(lambda: _unit_js(qtbot, app, moving) != start_js, timeout=5000)
    fix = app.live.units[moving].last_fix
    now_js = _unit_js(qtbot, app, moving)
    assert fix.time <= intake and (now_js["lat"], now_js["lng"]) != (start_js["lat"], start_js["lng"])

    # The what-if: the units that could have gone, the trainee picks the second best, sees the score.
    qtbot.waitUntil(lambda: bool(controller.ranking), timeout=20000)
    dock = window.whatif_dock
    assert dock.units.count() == len(controller.ranking) >= 2
    choice = [controller.ranking[1].callsign]
    dock.check(choice)
    with qtbot.waitSignal(controller.sig_scored, timeout=5000) as scored:
        qtbot.mouseClick(dock.score_button, Qt.MouseButton.LeftButton)
    expected = score_choice(controller.ranking, choice)
    assert scored.args[0] == expected and expected.best_callsign == controller.ranking[0].callsign
    assert f"{expected.score:.0f}" in dock.result.text() and expected.score <= 100

    # Read-only: no dock offers an action, the replay's runner refuses a write; the what-if is stored only on purpose.
    from PySide6.QtWidgets import QPushButton

    assert not [b.text() for b in window.incidents_dock.widget().findChildren(QPushButton) if b.isVisibleTo(window)]
    assert not window.unit_card.dispatch_button.isVisibleTo(window)
    with pytest.raises(ReadOnlyRefused):
        create_incident(app.ws.runner, lon=112.08, lat=32.68, category="dispute")
    with qtbot.waitSignal(controller.sig_saved, timeout=20000):
        qtbot.mouseClick(dock.save_button, Qt.MouseButton.LeftButton)
    with session_factory(night)() as session:
        rows = [r for r in drill_report(session, None, None) if r.kind == "what_if"]
    assert [(r.units, r.score) for r in rows] == [(choice, expected.score)]


def test_stepping_between_events_and_following_a_unit(qtbot, replay):
    app, controller = replay, replay.controller
    source = controller.source
    controller.step(1)
    assert app.ws.now() == source.tick_times[0]
    controller.step(1)
    assert app.ws.now() == next(t for t in source.tick_times if t > source.tick_times[0])
    controller.step(-1)
    assert app.ws.now() == source.tick_times[0]
    # A typed time (local, on the window's day) jumps there; a wrong one says why in one line.
    timeline = app.window.timeline
    target = NIGHT + timedelta(minutes=7, seconds=30)
    timeline.jump_edit.setText(target.astimezone(timeline.zone).strftime("%H:%M:%S"))
    qtbot.mouseClick(timeline.jump_button, Qt.MouseButton.LeftButton)
    assert app.ws.now() == target and not timeline.error_label.isVisibleTo(timeline)
    for typed in ("25:99", "03:00"):
        timeline.jump_edit.setText(typed)
        qtbot.mouseClick(timeline.jump_button, Qt.MouseButton.LeftButton)
        assert app.ws.now() == target and timeline.error_label.text().startswith(timeline.tr("Time"))
    controller.seek(source.end)
    unit_id = next(iter(app.live.units))
    controller.units._on_unit_clicked(unit_id)
    app.window.unit_card.follow_button.setChecked(True)
    app.window.unit_card.trail_button.setChecked(True)
    assert app.scene.units.followed == unit_id
    trail = app.scene.units.trail_points
    assert len(trail) >= 2 and all(p[2] <= int(source.end.timestamp() * 1000) for p in trail)
    qtbot.waitUntil(lambda: run_js(qtbot, app.map_view, "gridmap.units.follow") == unit_id, timeout=5000)
    # Seeking back shortens the trail to what had happened by then.
    controller.seek(source.end - timedelta(minutes=MINUTES - 3))
    assert all(p[2] <= int((source.end - timedelta(minutes=MINUTES - 3)).timestamp() * 1000)
               for p in app.scene.units.trail_points)


def test_file_replay_opens_replays_beside_the_live_window(qtbot, monkeypatch, night, gui):
    from core.replay_frame import ReplayRequest
    from desktop.replay.open_dialog import ReplayDialog

    requests = iter([ReplayRequest(NIGHT, NIGHT + timedelta(minutes=MINUTES)),
                     ReplayRequest(incident="JQ20261129-0001")])

    def choose(dialog):
        dialog.request = next(requests)
        return True

    monkeypatch.setattr(ReplayDialog, "exec", choose)
    opened = []
    for _ in range(2):
        gui.window.sig_replay_requested.emit()
        replay = gui.replays[-1]
        opened.append(replay)
        with qtbot.waitSignal(replay.sig_startup_completed, timeout=60000):
            pass
    assert len(gui.replays) == 2 and gui.window.isVisible()
    first, second = opened
    assert first.ws.engine is gui.ws.engine and first.ws.runner.read_only and not gui.ws.runner.read_only
    # The window around one incident opens at its intake, selected.
    assert second.controller.selected_id is not None
    assert second.ws.now() == second.controller.source.intake_of(second.controller.selected_id)
    # The live window's clock and units are its own.
    assert gui.ws.clock is not first.ws.clock and gui.live is not first.live
    first.window.close()
    qtbot.waitUntil(lambda: len(gui.replays) == 1, timeout=5000)
    assert gui.replays == [second]


def test_a_role_without_train_sees_the_score_but_cannot_store_it(qtbot, night, settings):
    from core.drills import DrillScore
    from db.operations import Actor
    from desktop.replay.app import ReplayApp
    from desktop.workspace import Place

    place = Place(db_url=str(night.url), language="zh_CN", timezone=settings.ui.timezone)
    dispatcher = Actor.for_role("d1", "ws-1", "dispatcher")
    app = ReplayApp(settings, place, NIGHT, NIGHT + timedelta(minutes=MINUTES), engine=night, actor=dispatcher)
    qtbot.addWidget(app.window)
    try:
        with qtbot.waitSignal(app.sig_startup_completed, timeout=60000):
            app.start()
        dock = app.window.whatif_dock
        dock.show_score(DrillScore(60.0, "巡1", 90.0, 30.0, True, 1, True, 66.7), ["巡1"], 60.0)
        assert "67" in dock.result.text() and not dock.save_button.isEnabled()
        assert "train" in dock.save_button.toolTip()
    finally:
        app.close()


def test_gui_replay_screenshot_of_one_incident(qtbot, night, tmp_path):
    from PySide6.QtGui import QImage
    from sqlalchemy import select

    from core.replay_frame import ReplayRequest
    from db.engine import session_factory
    from db.models import Incident
    from desktop.app import GuiOptions
    from desktop.replay.run import run_replay

    with session_factory(night)() as session:
        number = session.scalar(select(Incident.number).order_by(Incident.received_at).limit(1))
    png = tmp_path / "replay.png"
    # English and the light theme: what the other tests in this process expect.
    options = GuiOptions(db_url=str(night.url), screenshot=png, save_settings=False, language="en", theme="light")
    assert run_replay(options, ReplayRequest(incident=number)) == 0
    image = QImage(str(png))
    assert image.width() >= 800 and image.height() >= 600
    assert run_replay(options, ReplayRequest(incident="JQ-NONE")) == 2

"""Work orders and patrol findings on both databases: issuing, every step, bad input
writing nothing, optimistic locking, and the SQL light agreeing with core's rule."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from core.clock import FixedClock
from core.incidents import FieldError
from core.settings import WorkOrderSettings
from core.workorders import ActionNotAllowed, light_at, milestone_states, overdue_at, warning_starts
from db.engine import session_factory
from db.findings_ops import NewFinding, record_finding
from db.models import AuditLog, ChangeLog, PatrolFinding, Photo, WorkOrder, WorkOrderNote
from db.operations import Actor, ConflictError, OperationRunner
from db.seed import seed_demo
from db.workorder_ops import NewOrder, act, issue_order
from db.workorders_repo import OrderFilter, code_entries, light_counts, list_orders, order_detail

UTC = timezone.utc
START = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
IN_GRID = (112.0835, 32.6845)  # the demo city centre
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


@pytest.fixture
def clock():
    return FixedClock(START)


@pytest.fixture
def wo_runner(engine, clock):
    runner = OperationRunner(engine, Actor(user="commander", workstation="ws-1"), clock)
    seed_demo(runner)
    return runner


def _new(**kw):
    base = dict(title="占道经营", description="东大街早市占道", department="city_management",
                lon=IN_GRID[0], lat=IN_GRID[1])
    base.update(kw)
    return NewOrder(**base)


def _count(engine, model, *where):
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_departments_and_finding_categories_are_seeded_code_tables(wo_runner, engine):
    with session_factory(engine)() as s:
        departments = {e.code: e.label_zh for e in code_entries(s, "department")}
        categories = {e.label_zh for e in code_entries(s, "finding_category")}
    assert {"派出所", "治安", "城管", "城建", "交警", "市场监管"} <= set(departments.values())
    assert {"占道经营", "车辆乱停", "矛盾纠纷", "治安隐患", "市容顽疾"} <= categories
    assert not seed_demo(wo_runner).changed


def test_issue_numbers_places_audits_and_announces(wo_runner, engine):
    issued = issue_order(wo_runner, _new())
    order = issued.order
    assert order.number == "JB20260310-0001" and not issued.outside_grid and order.grid_code
    assert order.status == "issued" and order.light == "green" and order.overdue == ()
    assert order.deadlines.deploy == datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
    assert order.deadlines.progress == START + timedelta(hours=72)
    assert issue_order(wo_runner, _new()).order.number == "JB20260310-0002"
    assert _count(engine, AuditLog, AuditLog.entity == "work_orders") == 2
    assert _count(engine, ChangeLog, ChangeLog.kind == "workorders") == 2
    assert _count(engine, WorkOrderNote, WorkOrderNote.kind == "created") == 2


def test_back_entered_paper_order_is_audited_as_such(wo_runner, engine):
    paper = START - timedelta(days=10)
    order = issue_order(wo_runner, _new(issued_at=paper)).order
    assert order.issued_at == paper and order.light == "red" and order.overdue == ("deploy", "progress", "resolve")
    with session_factory(engine)() as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.entity == "work_orders")).one()
    assert audit.operation == "issue work order (back-entered)" and audit.after["back_entered"] is True
    with pytest.raises(FieldError, match="^issued_at: .* is in the future"):
        issue_order(wo_runner, _new(issued_at=START + timedelta(hours=1)))


@pytest.mark.parametrize("change, field", [
    (dict(department="nobody"), "department"), (dict(kind="urgent"), "kind"), (dict(title=" "), "title"),
    (dict(source="fax"), "source"), (dict(lat=95.0), "lat"), (dict(incident_id=999), "incident"),
])
def test_bad_input_names_the_field_and_writes_nothing(wo_runner, engine, change, field):
    with pytest.raises(FieldError) as info:
        issue_order(wo_runner, _new(**change))
    assert info.value.field == field
    assert _count(engine, WorkOrder) == 0 and _count(engine, AuditLog, AuditLog.entity == "work_orders") == 0


def test_outside_every_grid_is_allowed_but_said(wo_runner):
    issued = issue_order(wo_runner, _new(lon=113.5, lat=33.5))
    assert issued.outside_grid and issued.order.grid_code is None


def test_the_whole_cycle(wo_runner, engine, clock):
    number = issue_order(wo_runner, _new()).order.number
    clock.advance(3600)
    assert act(wo_runner, number, "sign").status == "signed"
    clock.advance(3600 * 20)
    order = act(wo_runner, number, "progress", note="已约谈摊主")
    assert order.status == "in_progress" and order.light == "green"
    order = act(wo_runner, number, "request-close", note="摊位已清理")
    assert order.status == "close_requested"
    order = act(wo_runner, number, "send-back", note="现场仍有占道")
    assert order.status == "in_progress"
    act(wo_runner, number, "request-close", note="已清理并复查")
    order = act(wo_runner, number, "close", rating="良好", note="同意办结")
    assert order.status == "closed" and order.rating == "good" and order.light == "green" and order.allowed == ()
    with session_factory(engine)() as s:
        detail = order_detail(s, number, clock.now())
    assert [t.kind for t in detail.timeline] == ["created", "signed", "progress", "close_request", "returned",
                                                "close_request", "closed"]
    assert detail.reviewer_opinion == "同意办结" and detail.result == "已清理并复查"
    assert detail.first_progress_at == START + timedelta(hours=21)
    assert _count(engine, AuditLog, AuditLog.entity == "work_orders") == 7


def test_disallowed_action_names_the_allowed_ones_and_writes_nothing(wo_runner, engine):
    number = issue_order(wo_runner, _new()).order.number
    with pytest.raises(ActionNotAllowed, match="allowed: sign, extend, cancel, supervise"):
        act(wo_runner, number, "close", rating="excellent")
    with pytest.raises(FieldError, match="^rating: .* not being closed"):
        act(wo_runner, number, "sign", rating="优秀")
    with pytest.raises(FieldError, match="^note:"):
        act(wo_runner, number, "cancel")
    assert _count(engine, WorkOrderNote) == 1 and _count(engine, AuditLog, AuditLog.entity == "work_orders") == 1


def test_extension_request_approval_and_refusal(wo_runner, engine, clock):
    order = issue_order(wo_runner, _new()).order
    number, resolve = order.number, order.deadlines.resolve
    act(wo_runner, number, "sign")
    with pytest.raises(FieldError, match="^until: .* not later than the current deadline"):
        act(wo_runner, number, "extend", until=resolve - timedelta(days=1), note="材料未到")
    order = act(wo_runner, number, "extend", until=resolve + timedelta(days=5), note="需协调业主")
    assert order.extension_until == resolve + timedelta(days=5)
    assert "approve-extension" in order.allowed and "extend" not in order.allowed
    assert order.deadlines.resolve == resolve  # only approval replaces it
    order = act(wo_runner, number, "approve-extension", note="同意")
    assert order.deadlines.resolve == resolve + timedelta(days=5) and order.extension_until is None
    act(wo_runner, number, "extend", until=resolve + timedelta(days=9), note="再延")
    order = act(wo_runner, number, "refuse-extension", note="不同意")
    assert order.deadlines.resolve == resolve + timedelta(days=5) and order.extension_until is None
    # The warning window moved with the approved date.
    clock.set(resolve + timedelta(days=4))
    with session_factory(engine)() as s:
        row = s.scalar(select(WorkOrder).where(WorkOrder.number == number))
        assert row.resolve_warn_at == resolve + timedelta(days=3)


def test_stale_version_conflicts(wo_runner):
    order = issue_order(wo_runner, _new()).order
    act(wo_runner, order.number, "sign", expected_version=order.version)
    with pytest.raises(ConflictError) as info:
        act(wo_runner, order.number, "supervise", note="请加快", expected_version=order.version)
    assert info.value.fresh.status == "signed"


def test_cancel_and_supervision(wo_runner, engine, clock):
    number = issue_order(wo_runner, _new()).order.number
    clock.advance(86400 * 2)
    order = act(wo_runner, number, "supervise", note="超期未签收，督办")
    assert order.light == "red" and order.overdue == ("deploy",)
    order = act(wo_runner, number, "cancel", note="重复交办，销号")
    assert order.status == "cancelled" and order.light == "green" and order.overdue == ()
    assert _count(engine, WorkOrderNote, WorkOrderNote.kind == "supervision") == 1


def test_sql_light_agrees_with_core_rule(wo_runner, engine, clock):
    """Random orders in random states, evaluated at random times: the list query's
    light and overdue milestones equal core.light_at / overdue_at."""
    rng = random.Random(7)
    settings = WorkOrderSettings()
    for n in range(24):
        kind = rng.choice(("ordinary", "major"))
        clock.set(START + timedelta(hours=rng.uniform(0, 30 * 24)))
        number = issue_order(wo_runner, _new(kind=kind)).order.number
        for action, note in (("sign", None), ("progress", "进展"), ("request-close", "已办"),
                             ("close", "同意")):
            if rng.random() < 0.35:
                break
            clock.advance(rng.uniform(0, 6 * 86400))
            act(wo_runner, number, action, note=note, rating="pass" if action == "close" else None)
        if rng.random() < 0.15:
            act(wo_runner, number, "cancel", note="销号")
    with session_factory(engine)() as s:
        rows = {r.number: r for r in s.scalars(select(WorkOrder))}
        for _ in range(12):
            at = START + timedelta(hours=rng.uniform(0, 80 * 24))
            for order in list_orders(s, at):
                r = rows[order.number]
                ms = milestone_states(order.deadlines, {"deploy": None, "progress": r.progress_warn_at,
                                                        "resolve": r.resolve_warn_at},
                                      r.signed_at, r.first_progress_at, r.closed_at, r.cancelled_at)
                assert (order.light, order.overdue) == (light_at(ms, at), overdue_at(ms, at)), (order.number, at)
                warn = warning_starts(order.deadlines, r.complexity, settings)
                assert (warn["progress"], warn["resolve"]) == (r.progress_warn_at, r.resolve_warn_at)


def test_list_filters(wo_runner, engine, clock):
    a = issue_order(wo_runner, _new()).order.number
    issue_order(wo_runner, _new(department="traffic_police", title="车辆乱停"))
    clock.advance(86400 * 2)
    act(wo_runner, a, "sign")
    at = clock.now()
    with session_factory(engine)() as s:
        assert [o.number for o in list_orders(s, at, OrderFilter(overdue=True))] == ["JB20260310-0002"]
        assert [o.number for o in list_orders(s, at, OrderFilter(department="city_management"))] == [a]
        assert [o.number for o in list_orders(s, at, OrderFilter(status="signed"))] == [a]
        assert [o.number for o in list_orders(s, at, OrderFilter(light="yellow"))] == [a]  # progress due within a day
        assert list_orders(s, START - timedelta(hours=1)) == []  # nothing was issued yet
        assert light_counts(s, at) == {"red": 1, "yellow": 1, "green": 0}
        grid = list_orders(s, at)[0].grid_code
        assert len(list_orders(s, at, OrderFilter(grid_code=grid))) == 2


def test_finding_on_the_spot_with_photos(wo_runner, engine):
    done = record_finding(wo_runner, NewFinding(lon=IN_GRID[0], lat=IN_GRID[1], category="illegal_parking",
                                                description="电动车堵塞消防通道", outcome="on_spot",
                                                photos=(PNG, PNG)))
    assert done.order is None and done.grid_code and not done.outside_grid
    assert _count(engine, Photo) == 1  # stored once by content hash
    assert _count(engine, ChangeLog, ChangeLog.kind == "findings") == 1
    with session_factory(engine)() as s:
        finding = s.get(PatrolFinding, done.finding_id)
        assert finding.photos == [finding.photos[0]] * 2 and finding.found_by == "commander"


def test_handed_over_finding_issues_an_order_with_the_category_department(wo_runner, engine):
    done = record_finding(wo_runner, NewFinding(lon=IN_GRID[0], lat=IN_GRID[1], category="street_vending",
                                                description="夜市占道经营", outcome="handed_over", photos=(PNG,)))
    assert done.order.department == "city_management" and done.order.source == "patrol"
    assert done.order.title.startswith("占道经营")
    with session_factory(engine)() as s:
        detail = order_detail(s, done.order.number, START)
        assert [p.mime for p in detail.photos] == ["image/png"]


@pytest.mark.parametrize("photos, field, message", [
    ((b"%PDF-1.4 not a photo",), "photo 1", "not an image"),
    ((PNG, b"\xff\xd8\xff" + b"\x00" * 100), "photo 2", "over the limit"),
])
def test_bad_photos_write_nothing(wo_runner, engine, photos, field, message):
    settings = WorkOrderSettings(photo_max_bytes=90)
    with pytest.raises(FieldError, match=message) as info:
        record_finding(wo_runner, NewFinding(lon=IN_GRID[0], lat=IN_GRID[1], category="dispute", description="x",
                                             outcome="handed_over", photos=photos), settings)
    assert info.value.field == field
    assert _count(engine, Photo) == 0 and _count(engine, PatrolFinding) == 0 and _count(engine, WorkOrder) == 0


def test_finding_unknown_category(wo_runner, engine):
    with pytest.raises(FieldError) as info:
        record_finding(wo_runner, NewFinding(lon=IN_GRID[0], lat=IN_GRID[1], category="aliens", description="x",
                                             outcome="on_spot"))
    assert info.value.field == "category" and _count(engine, PatrolFinding) == 0


def test_sqlite_finds_open_orders_through_the_partial_index(wo_runner, engine, db_url):
    """Without it SQLite reads every order to list the few open ones (the benchmark's case)."""
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's planner only")
    from db.workorders_repo import _list_query

    issue_order(wo_runner, _new())
    for f in (OrderFilter(open_only=True), OrderFilter(overdue=True)):
        compiled = _list_query(START, f).compile(engine)
        with engine.connect() as conn:
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled),
                                        tuple(compiled.params[k] for k in compiled.positiontup)).all()
        assert any("ix_work_orders_open" in row[-1] for row in plan), plan


def test_back_entered_steps_keep_their_order(wo_runner, clock):
    number = issue_order(wo_runner, _new(issued_at=START - timedelta(days=3))).order.number
    act(wo_runner, number, "sign", at=START - timedelta(days=2))
    with pytest.raises(FieldError, match="^at: .* before the order's last step"):
        act(wo_runner, number, "progress", note="早于签收", at=START - timedelta(days=2, hours=1))
    with pytest.raises(FieldError, match="^at: .* in the future"):
        act(wo_runner, number, "progress", note="未来", at=START + timedelta(days=1))

"""The rules form's values and shapes drawn on the map, checked in core: one line naming the
field; codes for drawn places never reuse an old one."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from core.patrol_rules import RuleError
from core.place_edit import check_drawn, check_rules, next_place_code, split_windows


def test_a_good_form_becomes_rules():
    rules = check_rules("points", " P-E001 ", " 夜市口 ", "19:00-23:00*2；07:00-09:00", radius_m=80, dwell_s=0,
                        visits_per_shift=1)
    assert (rules.code, rules.name, rules.radius_m, rules.dwell_s) == ("P-E001", "夜市口", 80.0, 0.0)
    assert rules.windows == ("19:00-23:00*2", "07:00-09:00")
    line = check_rules("lines", "L1", "新华路", "", buffer_m=30, passes_per_shift=2)
    assert (line.buffer_m, line.passes_per_shift, line.windows, line.radius_m) == (30.0, 2, (), None)


@pytest.mark.parametrize("layer, kwargs, field", [
    ("points", dict(radius_m=0.0, dwell_s=120.0, visits_per_shift=1), "radius_m"),
    ("points", dict(radius_m=1500.0, dwell_s=120.0, visits_per_shift=1), "radius_m"),
    ("points", dict(radius_m=50.0, dwell_s=-1.0, visits_per_shift=1), "dwell_s"),
    ("points", dict(radius_m=50.0, dwell_s=120.0, visits_per_shift=-1), "visits_per_shift"),
    ("points", dict(radius_m=50.0, dwell_s=120.0, visits_per_shift=1, windows_text="23:00-19:00"), "time_windows[0]"),
    ("points", dict(radius_m=50.0, dwell_s=120.0, visits_per_shift=1, windows_text="19:00-23:00*0"),
     "time_windows[0]"),
    ("points", dict(radius_m=50.0, dwell_s=120.0, visits_per_shift=1, windows_text="07:00-09:00, 25:00-26:00"),
     "time_windows[1]"),
    ("points", dict(radius_m=50.0, dwell_s=120.0, visits_per_shift=1, name=" "), "name"),
    ("lines", dict(buffer_m=0.0, passes_per_shift=1), "buffer_m"),
    ("lines", dict(buffer_m=30.0, passes_per_shift=-2), "passes_per_shift"),
])
def test_bad_form_values_name_the_field(layer, kwargs, field):
    args = {"windows_text": "", "name": "夜市口", **kwargs}
    with pytest.raises(RuleError) as info:
        check_rules(layer, "X1", args.pop("name"), args.pop("windows_text"), **args)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ") and "\n" not in str(info.value)


def test_drawn_shapes():
    assert check_drawn("points", {"type": "Point", "coordinates": [112.08, 32.68]}) == [112.08, 32.68]
    line = {"type": "LineString", "coordinates": [[112.08, 32.68], [112.09, 32.68]]}
    assert check_drawn("lines", line) == [[112.08, 32.68], [112.09, 32.68]]
    for layer, geometry in (("points", line), ("lines", {"type": "Point", "coordinates": [1, 2]}),
                            ("points", {"type": "Point", "coordinates": None}),
                            ("lines", {"type": "LineString", "coordinates": [[112.08, 32.68]]})):
        with pytest.raises(RuleError) as info:
            check_drawn(layer, geometry)
        assert info.value.field == "coordinates"


def test_codes_for_drawn_places():
    assert next_place_code("points", []) == "P-E001"
    assert next_place_code("points", ["P-E001", "P-E002", "P01"]) == "P-E003"
    assert next_place_code("lines", ["L-E002"]) == "L-E001"


@given(st.lists(st.sampled_from(["07:00-09:00", "19:00-23:00*2", "00:00-24:00"]), max_size=5),
       st.sampled_from([",", ";", "，", "；", "、", " ", ", "]))
def test_windows_split_on_any_separator(windows, separator):
    assert split_windows(separator.join(windows)) == windows

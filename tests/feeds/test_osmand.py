"""OsmAnd / Traccar Client HTTP wire format (feeds.osmand)."""
from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.fixes import Fix, ReportError
from feeds.osmand import (
    KNOTS_TO_MPS,
    parse_osmand_json,
    parse_osmand_params,
    parse_osmand_request,
    parse_timestamp,
)

UTC = timezone.utc
BASE = {"id": "cam-0417", "lat": "30.274085", "lon": "120.155070"}


def params(**extra: str) -> dict[str, str]:
    merged = dict(BASE)
    merged.update(extra)
    return merged


# ---------------------------------------------------------------- query form

def test_full_query_form():
    fix = parse_osmand_params(params(
        timestamp="1714550400", speed="10", bearing="87.5", altitude="15.5",
        accuracy="4.8", hdop="0.9", batt="87", charge="true", road="延安路",
    ))
    assert fix == Fix(
        device_id="cam-0417", lat=30.274085, lon=120.15507,
        fix_time=datetime(2024, 5, 1, 8, 0, tzinfo=UTC),
        accuracy_m=4.8, speed_mps=pytest.approx(5.14444), heading_deg=87.5,
        altitude_m=15.5, battery_pct=87.0, stale_at=None, protocol="osmand",
        attributes={"charge": "true", "road": "延安路", "hdop": 0.9},
    )


def test_speed_in_query_form_is_knots():
    assert parse_osmand_params(params(speed="1")).speed_mps == pytest.approx(0.514444)
    assert parse_osmand_params(params(speed="19.4384")).speed_mps == pytest.approx(10.0, abs=1e-4)
    assert KNOTS_TO_MPS == 0.514444


def test_optional_fields_absent_are_none():
    fix = parse_osmand_params(BASE)
    assert (fix.fix_time, fix.speed_mps, fix.heading_deg, fix.altitude_m,
            fix.accuracy_m, fix.battery_pct) == (None,) * 6
    assert fix.attributes == {}
    assert fix.protocol == "osmand"


def test_blank_timestamp_is_server_time():
    assert parse_osmand_params(params(timestamp="")).fix_time is None


def test_deviceid_alias_and_id_wins():
    fix = parse_osmand_params({"deviceid": "862345678901234", "lat": "1", "lon": "2"})
    assert fix.device_id == "862345678901234"
    both = parse_osmand_params({"id": "A", "deviceid": "B", "lat": "1", "lon": "2"})
    assert both.device_id == "A"
    assert "deviceid" not in both.attributes


def test_location_pair():
    fix = parse_osmand_params({"id": "x", "location": "30.5,-120.25"})
    assert (fix.lat, fix.lon) == (30.5, -120.25)


def test_heading_alias_and_bearing_preferred():
    assert parse_osmand_params(params(heading="270")).heading_deg == 270.0
    assert parse_osmand_params(params(bearing="10", heading="20")).heading_deg == 10.0


def test_minus_one_means_unknown():
    fix = parse_osmand_params(params(speed="-1", bearing="-1", accuracy="-1", batt="-1"))
    assert (fix.speed_mps, fix.heading_deg, fix.accuracy_m, fix.battery_pct) == (None,) * 4


def test_hdop_without_accuracy_leaves_accuracy_unknown():
    fix = parse_osmand_params(params(hdop="1.25"))
    assert fix.accuracy_m is None
    assert fix.attributes == {"hdop": 1.25}


def test_extra_attributes_kept_as_strings():
    fix = parse_osmand_params(params(ignition="1", driverUniqueId="警号 012345", blank=""))
    assert fix.attributes == {"ignition": "1", "driverUniqueId": "警号 012345", "blank": ""}


# ---------------------------------------------------------------- timestamps

@pytest.mark.parametrize("raw, expected", [
    ("1714550400", datetime(2024, 5, 1, 8, 0, tzinfo=UTC)),                  # epoch s
    ("1714550400.25", datetime(2024, 5, 1, 8, 0, 0, 250000, tzinfo=UTC)),    # s + fraction
    ("2147483647", datetime(2038, 1, 19, 3, 14, 7, tzinfo=UTC)),             # 2**31-1: no 32-bit overflow
    ("4102444800", datetime(2100, 1, 1, tzinfo=UTC)),                        # seconds, not 1970-02-17 in ms
    ("99999999999", datetime(5138, 11, 16, 9, 46, 39, tzinfo=UTC)),          # last seconds value
    ("1714550400123", datetime(2024, 5, 1, 8, 0, 0, 123000, tzinfo=UTC)),    # epoch ms
    ("2024-05-01T08:00:00Z", datetime(2024, 5, 1, 8, 0, tzinfo=UTC)),
    ("2024-05-01T08:00:00.123Z", datetime(2024, 5, 1, 8, 0, 0, 123000, tzinfo=UTC)),
    ("2024-05-01T16:00:00+08:00", datetime(2024, 5, 1, 8, 0, tzinfo=UTC)),
    ("2024-05-01T16:00:00 08:00", datetime(2024, 5, 1, 8, 0, tzinfo=UTC)),   # '+' lost to URL decoding
    ("2024-05-01T16:00:00", datetime(2024, 5, 1, 16, 0, tzinfo=UTC)),        # naive -> UTC
    ("2024-05-01 08:00:00", datetime(2024, 5, 1, 8, 0, tzinfo=UTC)),
])
def test_timestamp_forms(raw, expected):
    fix = parse_osmand_params(params(timestamp=raw))
    assert fix.fix_time == expected
    assert fix.fix_time.utcoffset() == timedelta(0)


def test_epoch_boundary_and_unset_clocks():
    assert parse_timestamp("100000000000") == datetime(1973, 3, 3, 9, 46, 40, tzinfo=UTC)  # first ms value
    for raw in ("0", "1", "86400", "100000000000", "1970-01-01T00:00:00Z", "1999-12-31 23:59:59"):
        with pytest.raises(ReportError, match=r"^timestamp .* is before 2000"):
            parse_osmand_params(params(timestamp=raw))
    body = json.dumps({"device_id": "a", "location": {"timestamp": 0, "coords": {"latitude": 1, "longitude": 2}}})
    with pytest.raises(ReportError, match="before 2000"):
        parse_osmand_json(body)


@pytest.mark.parametrize("field, value, named", [
    ("batt", "1e308", "batt"), ("batt", "100.5", "batt"), ("speed", "5e307", "speed"), ("speed", "700", "speed"),
    ("accuracy", "1e9", "accuracy"), ("altitude", "-20000", "altitude"), ("altitude", "1e6", "altitude"),
])
def test_numeric_fields_out_of_range_are_refused_naming_the_field(field, value, named):
    with pytest.raises(ReportError, match=rf"^{named} out of range: "):
        parse_osmand_params(params(**{field: value}))


def test_numeric_fields_at_their_limits_are_accepted():
    fix = parse_osmand_params(params(batt="100", speed="680", accuracy="0", altitude="-999"))  # 680 kn = 350 m/s
    assert (fix.battery_pct, fix.accuracy_m, fix.altitude_m) == (100.0, 0.0, -999.0)
    body = json.dumps({"device_id": "a", "location": {"coords": {"latitude": 1, "longitude": 2, "speed": 400},
                                                      "battery": {"level": 0.5}}})
    with pytest.raises(ReportError, match="^speed out of range"):
        parse_osmand_json(body)


def test_timestamp_offset_converted_to_utc_keeps_tz_utc():
    moment = parse_timestamp("2024-05-01T00:30:00+08:00")
    assert moment == datetime(2024, 4, 30, 16, 30, tzinfo=UTC)
    assert moment.tzinfo == UTC


def test_timestamp_json_numbers():
    assert parse_timestamp(1714550400) == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert parse_timestamp(1714550400123) == datetime(2024, 5, 1, 8, 0, 0, 123000, tzinfo=UTC)
    assert parse_timestamp(None) is None


@pytest.mark.parametrize("raw", [
    "yesterday", "2024-13-01T00:00:00Z", "2024-05-01", "01/05/2024 08:00:00",
    "-5", "nan", "inf", "1e400", "9" * 30, "2024-05-01T25:00:00",
])
def test_bad_timestamp_rejected(raw):
    with pytest.raises(ReportError, match=r"^unparseable timestamp: "):
        parse_osmand_params(params(timestamp=raw))


# ---------------------------------------------------------------- 400 reasons

@pytest.mark.parametrize("given_params, message", [
    ({"lat": "1", "lon": "2"}, "missing device id"),
    ({"id": "  ", "lat": "1", "lon": "2"}, "missing device id"),
    ({"id": "a", "lon": "2"}, "missing lat"),
    ({"id": "a", "lat": "1"}, "missing lon"),
    ({"id": "a"}, "missing lat"),
    ({"id": "a", "lat": "", "lon": "2"}, "missing lat"),
    ({"id": "a", "lat": "abc", "lon": "2"}, "invalid lat: 'abc'"),
    ({"id": "a", "lat": "NaN", "lon": "2"}, "invalid lat: 'NaN'"),
    ({"id": "a", "lat": "1", "lon": "inf"}, "invalid lon: 'inf'"),
    ({"id": "a", "lat": "90.0001", "lon": "2"}, "lat out of range: 90.0001"),
    ({"id": "a", "lat": "-91", "lon": "2"}, "lat out of range: -91"),
    ({"id": "a", "lat": "1", "lon": "180.5"}, "lon out of range: 180.5"),
    ({"id": "a", "location": "30.1"}, "invalid location: '30.1' (expected lat,lon)"),
    ({"id": "a", "location": "95,10"}, "lat out of range: 95"),
    ({"id": "a", "location": "x,10"}, "invalid lat: 'x'"),
    ({"id": "a", "lat": "1", "lon": "2", "speed": "fast"}, "invalid speed: 'fast'"),
    ({"id": "a", "lat": "1", "lon": "2", "bearing": "N"}, "invalid bearing: 'N'"),
    ({"id": "a", "lat": "1", "lon": "2", "altitude": "1_000"}, "invalid altitude: '1_000'"),
    ({"id": "a", "lat": "1", "lon": "2", "accuracy": "nan"}, "invalid accuracy: 'nan'"),
    ({"id": "a", "lat": "1", "lon": "2", "hdop": "?"}, "invalid hdop: '?'"),
    ({"id": "a", "lat": "1", "lon": "2", "batt": "full"}, "invalid batt: 'full'"),
    ({"id": "a\nb", "lat": "1", "lon": "2"}, "invalid device id: 'a\\nb'"),
])
def test_rejections_name_the_field(given_params, message):
    with pytest.raises(ReportError) as caught:
        parse_osmand_params(given_params)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_boundaries_accepted():
    fix = parse_osmand_params({"id": "a", "lat": "-90", "lon": "180"})
    assert (fix.lat, fix.lon) == (-90.0, 180.0)


# ---------------------------------------------------------------- JSON form

JSON_BODY = {
    "location": {
        "timestamp": "2024-05-01T08:00:00.000Z",
        "coords": {"latitude": 30.274085, "longitude": 120.15507, "accuracy": 4.8,
                   "speed": 3.5, "heading": 87.5, "altitude": 15.5},
        "battery": {"level": 0.87, "is_charging": False},
        "activity": {"type": "on_foot"},
        "is_moving": True,
        "odometer": 1234.5,
        "extras": {"shift": "night"},
    },
    "device_id": "cam-0417",
}


def test_json_form():
    fix = parse_osmand_json(json.dumps(JSON_BODY).encode())
    assert fix == Fix(
        device_id="cam-0417", lat=30.274085, lon=120.15507,
        fix_time=datetime(2024, 5, 1, 8, 0, tzinfo=UTC), accuracy_m=4.8,
        speed_mps=3.5,  # m/s, not knots
        heading_deg=87.5, altitude_m=15.5, battery_pct=pytest.approx(87.0),
        protocol="osmand",
        attributes={"charge": False, "activity": "on_foot", "is_moving": True,
                    "odometer": 1234.5, "shift": "night"},
    )


def test_json_battery_percent_and_unknowns():
    body = json.loads(json.dumps(JSON_BODY))
    body["location"]["battery"] = {"level": 64}
    body["location"]["coords"].update(speed=-1, heading=-1)
    body["location"]["timestamp"] = 1714550400123
    fix = parse_osmand_json(json.dumps(body))
    assert fix.battery_pct == 64.0
    assert fix.speed_mps is None and fix.heading_deg is None
    assert fix.fix_time == datetime(2024, 5, 1, 8, 0, 0, 123000, tzinfo=UTC)
    body["location"]["battery"] = {"level": -1}
    del body["location"]["timestamp"]
    fix = parse_osmand_json(json.dumps(body))
    assert fix.battery_pct is None and fix.fix_time is None
    body["location"]["battery"] = {"level": 1}
    assert parse_osmand_json(json.dumps(body)).battery_pct == 100.0


def test_json_numeric_device_id():
    body = json.loads(json.dumps(JSON_BODY))
    body["device_id"] = 862345678901234
    assert parse_osmand_json(json.dumps(body)).device_id == "862345678901234"


@pytest.mark.parametrize("body, message", [
    (b"{not json", "invalid JSON: "),
    (b"\xff\xfe{}", "invalid JSON: body is not UTF-8"),
    (b"[1, 2]", "invalid JSON: expected an object"),
    (b'{"location": {"coords": {"latitude": 1, "longitude": 2}}}', "missing device id"),
    (b'{"device_id": "a"}', "missing location"),
    (b'{"device_id": "a", "location": [{}]}', "batched locations are not supported"),
    (b'{"device_id": "a", "location": {}}', "missing coords"),
    (b'{"device_id": "a", "location": {"coords": {"longitude": 2}}}', "missing latitude"),
    (b'{"device_id": "a", "location": {"coords": {"latitude": NaN, "longitude": 2}}}', "invalid JSON: NaN"),
    (b'{"device_id": "a", "location": {"coords": {"latitude": true, "longitude": 2}}}', "invalid latitude"),
    (b'{"device_id": "a", "location": {"coords": {"latitude": 1, "longitude": 181}}}', "longitude out of range"),
    (b'{"device_id": "a", "location": {"timestamp": "soon", "coords": {"latitude": 1, "longitude": 2}}}',
     "unparseable timestamp: 'soon'"),
    (b'{"device_id": "a", "location": {"coords": {"latitude": 1, "longitude": 2, "speed": "x"}}}',
     "invalid speed: 'x'"),
    (b"[" * 100000, "invalid JSON: "),
])
def test_json_rejections(body, message):
    with pytest.raises(ReportError) as caught:
        parse_osmand_json(body)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


# ---------------------------------------------------------------- dispatcher

def test_request_get_query():
    fix = parse_osmand_request("GET", "id=a&lat=1.5&lon=2.5&speed=2&timestamp=2024-05-01+08%3A00%3A00", None, b"")
    assert (fix.device_id, fix.lat, fix.lon) == ("a", 1.5, 2.5)
    assert fix.speed_mps == pytest.approx(2 * 0.514444)
    assert fix.fix_time == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def test_request_post_with_query_and_empty_body():
    # Traccar Client for Android POSTs its parameters in the query string.
    fix = parse_osmand_request("POST", "?id=a&lat=1&lon=2", "application/x-www-form-urlencoded", b"")
    assert (fix.device_id, fix.lat, fix.lon) == ("a", 1.0, 2.0)


def test_request_query_wins_over_body():
    body = json.dumps(JSON_BODY).encode()
    fix = parse_osmand_request("POST", "id=q&lat=1&lon=2", "application/json", body)
    assert fix.device_id == "q"


def test_request_post_form_body():
    body = b"id=form-1&lat=-33.5&lon=151.25&speed=10&timestamp=1714550400&note=%E5%B7%A1%E9%80%BB"
    fix = parse_osmand_request("POST", "", "application/x-www-form-urlencoded; charset=UTF-8", body)
    assert (fix.device_id, fix.lat, fix.lon) == ("form-1", -33.5, 151.25)
    assert fix.speed_mps == pytest.approx(5.14444)
    assert fix.attributes == {"note": "巡逻"}
    assert fix.fix_time == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def test_request_form_body_without_content_type():
    fix = parse_osmand_request("POST", "", None, b"deviceid=b&location=1,2\r\n")
    assert (fix.device_id, fix.lat, fix.lon) == ("b", 1.0, 2.0)


def test_request_repeated_key_last_wins():
    fix = parse_osmand_request("GET", "id=a&lat=1&lon=2&lat=3", None, b"")
    assert fix.lat == 3.0


def test_request_post_json():
    body = json.dumps(JSON_BODY).encode()
    fix = parse_osmand_request("POST", "", "application/json", body)
    assert (fix.device_id, fix.speed_mps, fix.battery_pct) == ("cam-0417", 3.5, pytest.approx(87.0))
    # Sniffed by the leading '{' when the content type is missing or wrong.
    assert parse_osmand_request("POST", "", None, b"  " + body).device_id == "cam-0417"
    assert parse_osmand_request("PUT", "", "text/plain", body).device_id == "cam-0417"


@pytest.mark.parametrize("query, ctype, body, message", [
    ("", None, b"", "missing device id"),
    ("&&", None, b"", "missing device id"),
    ("", "application/json", b"id=a", "invalid JSON: "),
    ("", "multipart/form-data; boundary=x", b"--x", "unsupported content type: 'multipart/form-data'"),
    ("", "application/x-www-form-urlencoded", b"id=a&lat=\xff", "form body is not UTF-8"),
    ("&".join(f"k{i}=1" for i in range(300)), None, b"", "too many parameters"),
])
def test_request_rejections(query, ctype, body, message):
    with pytest.raises(ReportError) as caught:
        parse_osmand_request("POST", query, ctype, body)
    assert str(caught.value).startswith(message)


# ---------------------------------------------------------------- properties

latitudes = st.floats(min_value=-90, max_value=90, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)
device_ids = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:",
                     min_size=1, max_size=24)
instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31),
                        timezones=st.just(UTC))


@st.composite
def timestamp_forms(draw):
    """(wire value, the UTC instant it denotes)."""
    moment = draw(instants)
    form = draw(st.sampled_from(["seconds", "millis", "iso_z", "iso_offset", "iso_naive", "space"]))
    if form == "seconds":
        moment = moment.replace(microsecond=0)
        return str(int(moment.timestamp())), moment
    if form == "millis":
        moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
        return str((moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)), moment
    if form == "iso_z":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), moment
    if form == "iso_offset":
        minutes = draw(st.integers(-12 * 60, 14 * 60))
        zone = timezone(timedelta(minutes=minutes))
        return moment.astimezone(zone).isoformat(), moment
    if form == "iso_naive":
        return moment.replace(tzinfo=None).isoformat(), moment
    moment = moment.replace(microsecond=0)
    return moment.strftime("%Y-%m-%d %H:%M:%S"), moment


@given(device_ids, latitudes, longitudes, timestamp_forms(), st.booleans(), st.booleans())
def test_property_query_round_trip(device_id, lat, lon, stamp, use_location, use_alias):
    wire_time, moment = stamp
    fields = {"deviceid" if use_alias else "id": device_id, "timestamp": wire_time}
    if use_location:
        fields["location"] = f"{lat!r},{lon!r}"
    else:
        fields.update(lat=repr(lat), lon=repr(lon))
    fix = parse_osmand_request("GET", urlencode(fields), None, b"")
    assert fix.device_id == device_id
    assert fix.lat == lat and fix.lon == lon
    assert fix.fix_time == moment
    assert fix.fix_time.utcoffset() == timedelta(0)


@given(latitudes, longitudes, st.floats(0, 200, allow_nan=False))
def test_property_knots_conversion(lat, lon, knots):
    fix = parse_osmand_params({"id": "a", "lat": repr(lat), "lon": repr(lon), "speed": repr(knots)})
    assert math.isclose(fix.speed_mps, knots * 0.514444, rel_tol=1e-12, abs_tol=1e-12)


@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12)),
       st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12)))
def test_property_out_of_range_or_garbage_lat_lon_rejected(lat, lon):
    raw_lat, raw_lon = (repr(lat) if isinstance(lat, float) else lat,
                        repr(lon) if isinstance(lon, float) else lon)
    try:
        fix = parse_osmand_params({"id": "a", "lat": raw_lat, "lon": raw_lon})
    except ReportError as exc:
        assert "\n" not in str(exc)
        return
    assert math.isfinite(fix.lat) and abs(fix.lat) <= 90
    assert math.isfinite(fix.lon) and abs(fix.lon) <= 180


@given(st.text(), st.sampled_from(["GET", "POST", "PUT"]),
       st.one_of(st.none(), st.text(max_size=40), st.sampled_from(
           ["application/json", "application/x-www-form-urlencoded", "text/plain"])),
       st.one_of(st.binary(), st.text().map(str.encode)))
def test_property_arbitrary_requests_only_report_error(query, method, ctype, body):
    try:
        fix = parse_osmand_request(method, query, ctype, body)
    except ReportError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(fix, Fix)


QUERY_KEYS = ["id", "deviceid", "lat", "lon", "location", "timestamp", "speed", "bearing",
              "heading", "altitude", "accuracy", "hdop", "batt", "other"]


@given(st.dictionaries(st.sampled_from(QUERY_KEYS), st.one_of(
    st.text(max_size=30),
    st.floats().map(repr),
    st.integers().map(str),
)))
def test_property_structured_garbage_only_report_error(fields):
    try:
        fix = parse_osmand_request("GET", urlencode(fields), None, b"")
    except ReportError as exc:
        assert "\n" not in str(exc)
    else:
        assert abs(fix.lat) <= 90 and abs(fix.lon) <= 180 and fix.device_id
        assert fix.fix_time is None or fix.fix_time.utcoffset() == timedelta(0)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
coord_values = st.one_of(json_values, latitudes, st.integers(-1000, 1000))


@given(st.fixed_dictionaries({}, optional={
    "device_id": st.one_of(device_ids, json_values),
    "location": st.one_of(json_values, st.fixed_dictionaries({}, optional={
        "timestamp": st.one_of(json_values, st.integers(-2**70, 2**70)),
        "coords": st.one_of(json_values, st.fixed_dictionaries({}, optional={
            key: coord_values for key in
            ("latitude", "longitude", "accuracy", "speed", "heading", "altitude")})),
        "battery": st.one_of(json_values, st.fixed_dictionaries({}, optional={"level": coord_values})),
        "extras": json_values,
    })),
}))
def test_property_json_garbage_only_report_error(document):
    try:
        fix = parse_osmand_json(json.dumps(document))
    except ReportError as exc:
        assert "\n" not in str(exc)
    else:
        assert abs(fix.lat) <= 90 and abs(fix.lon) <= 180

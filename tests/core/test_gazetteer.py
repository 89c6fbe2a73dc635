from core.gazetteer import build_gazetteer, search
from core.layers import LayerFeature


def _f(layer, code, name, geometry):
    return LayerFeature(layer, code, name, geometry, (0, 0, 0, 0))


LAYERS = {
    "points": [_f("points", "P01", "好又多超市", {"type": "Point", "coordinates": [112.08, 32.68]})],
    "streets": [
        _f("streets", "S1-1", "新华路", {"type": "LineString", "coordinates": [[112.0, 32.0], [112.2, 32.0]]}),
        _f("streets", "S1-2", "新华路", {"type": "LineString", "coordinates": [[112.2, 32.0], [112.4, 32.0]]}),
    ],
    "targets": [_f("targets", "T1", "新华路商圈", {"type": "Point", "coordinates": [112.1, 32.01]})],
}


def test_search_in_chinese_and_initials_with_prefix_first():
    places = build_gazetteer(LAYERS)
    assert [p.name for p in search(places, "新华路")] == ["新华路", "新华路商圈"]
    assert [p.name for p in search(places, "商圈")] == ["新华路商圈"]
    assert search(places, "hyd")[0].code == "P01"
    assert search(places, "   ") == []


def test_a_split_street_is_listed_once_at_its_middle():
    places = [p for p in build_gazetteer(LAYERS) if p.layer == "streets"]
    assert len(places) == 1
    assert places[0].lon == 112.1

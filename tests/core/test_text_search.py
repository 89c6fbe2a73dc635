from core.text_search import matches


def test_substring_pinyin_and_initials():
    assert matches("好又多", "好又多超市")
    assert matches("hyd", "好又多超市")
    assert matches("HYDCS", "好又多超市")
    assert matches("renmin", "人民医院北区")
    assert matches("yy", "人民医院北区")
    assert not matches("xyz", "人民医院北区")
    assert matches("", "anything")


def test_polyphonic_characters_match_every_reading():
    assert matches("cax", "长安巷")
    assert matches("zax", "长安巷")


def test_codes_match_case_insensitively():
    assert matches("p01", "好又多超市", "P01")
    assert not matches("p02", "好又多超市", "P01")

"""The one redaction function: credentials vanish, everything else stays as typed."""
from __future__ import annotations

import pytest

from core.redaction import redact

SECRET = "s3cr3t-Value_42"


@pytest.mark.parametrize("text", [
    f"GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {SECRET}\r\n\r\n",
    f"POST / HTTP/1.1\r\nauthorization:Basic {SECRET}\r\nContent-Length: zz\r\n",
    f"Proxy-Authorization: Digest {SECRET}",
    f"Cookie: session={SECRET}; theme=dark",
    f"X-Api-Key: {SECRET}",
    f"GET /?id=dev1&lat=1&password={SECRET}&lon=2 HTTP/1.1",
    f"GET /?token={SECRET} HTTP/1.1",
    f"https://t0.tianditu.gov.cn/vec_w/wmts?tk={SECRET}",
    f'{{"caller": "张三", "password": "{SECRET}"}}',
    f'{{"api_key": 12345{SECRET}}}',
    f'[api]\ntoken = "{SECRET}"\n',
    f"host=db user=gc password={SECRET} dbname=gc",
    f"invalid lat: 'Bearer {SECRET}'",
    f"GET /?lat=Bearer%20{SECRET}&auth=Basic+{SECRET} HTTP/1.1",
    f"postgresql://postgres:{SECRET}@db.lan:5432/gc",
    f"postgresq://postgres:{SECRET}@db.lan/gc",  # a mistyped driver still hides it
    f"postgresql://postgres:p@ss{SECRET}@db.lan/gc",  # an @ inside the password
    f"postgresql://gc@db.lan/gc?sslmode=require&password={SECRET}",
])
def test_credentials_are_hidden(text):
    out = redact(text)
    assert SECRET not in out
    assert "***" in out


def test_authorization_keeps_its_scheme_word_and_the_rest_of_the_request():
    out = redact(f"POST /api/v1/incidents HTTP/1.1\r\nAuthorization: Bearer {SECRET}\r\nHost: a\r\n\r\n{{\"lat\": 1}}")
    assert out == "POST /api/v1/incidents HTTP/1.1\r\nAuthorization: Bearer ***\r\nHost: a\r\n\r\n{\"lat\": 1}"


@pytest.mark.parametrize("text", [
    "postgresql://gc@db.lan:5432/gridcommand",
    "sqlite:////home/u/.local/share/gridcommand/gridcommand.sqlite",
    "http://10.0.0.5:8080/tiles/{z}/{x}/{y}.png",
    "GET /?id=dev1&lat=32.68&lon=112.08&timestamp=1700000000&monkey=1&keyboard=2 HTTP/1.1",
    '{"description": "two vendors quarrel over a pitch", "caller_phone": "13800000000"}',
    '<event uid="P1" type="a-f-G"><detail monkey="1" turkey = "2" passenger="3"/></event>',
    '{"monkey": "banana", "tokens_left": 3}',
    "",
])
def test_text_without_credentials_is_unchanged(text):
    assert redact(text) == text


def test_url_is_shown_as_typed():
    # No driver added, no normalisation: only the password changes.
    assert redact("postgres://gc:pw@db/x") == "postgres://gc:***@db/x"
    assert redact("postgresql://gc:@db/x") == "postgresql://gc:@db/x"

"""The one place that hides credentials in text before it is stored, logged or shown.

Rejected reports keep the first bytes of what a sender sent, log lines quote
requests, and error messages quote database URLs: any of them can carry an API
token or a database password, and the rejected-reports table is readable by
every workstation. Everything that may quote outside input passes through
:func:`redact`. It is deliberately eager: a false positive costs a diagnostic
detail, a false negative leaks a credential.
"""
from __future__ import annotations

import re

MASK = "***"

# `Authorization: Bearer abc`, `Proxy-Authorization: Basic …`, `Cookie: …`, `X-Api-Key: …`:
# everything after the header name up to the end of the line. The scheme word of
# an Authorization header is kept (it helps diagnosis and is not secret).
_HEADER = re.compile(
    r"(?im)^(?P<name>(?:proxy-)?authorization|cookie|set-cookie|x-api-key|x-auth-token|api-key)"
    r"(?P<sep>[ \t]*:[ \t]*)(?P<value>[^\r\n]*)"
)
_SCHEME_WORD = re.compile(r"(?i)^(bearer|basic|digest|token|negotiate)\s+")
# A bare `Bearer <token>` anywhere else (a log line, a JSON string, a message, a query
# string where the space arrives as %20 or +).
_BEARER = re.compile(r"(?i)\b(bearer|basic)(\s+|%20|\+)(?!\*\*\*)[A-Za-z0-9\-._~+/=:]{4,}")
# Secret-looking keys in query strings, form bodies, JSON, TOML and `key=value` text.
_SECRET_KEYS = (
    r"password|passwd|pwd|pass|passphrase|secret|client_secret|token|access_token|refresh_token|id_token"
    r"|auth|auth_token|api_key|apikey|api-key|key|tk|sig|signature|session|sessionid|credential|credentials"
)
# key=value (URL query, form, libpq conninfo); the value ends at &, ;, whitespace, a quote or a bracket.
_ASSIGN = re.compile(rf"(?i)(?<![A-Za-z0-9_])(?P<key>{_SECRET_KEYS})(?P<sep>\s*=\s*)(?P<value>[^&;\s\"'<>)\]}},]+)")
# "key": "value" (JSON) and key = "value" (TOML); the value is a quoted string.
_QUOTED = re.compile(
    rf"(?i)(?<![A-Za-z0-9_])(?P<key>[\"']?(?:{_SECRET_KEYS})[\"']?)(?P<sep>\s*[:=]\s*)(?P<quote>[\"'])(?P<value>(?:\\.|(?!(?P=quote)).)*)(?P=quote)"
)
# "key": 12345 (a JSON number or literal).
_JSON_BARE = re.compile(rf"(?i)(?P<key>[\"'](?:{_SECRET_KEYS})[\"'])(?P<sep>\s*:\s*)(?P<value>[^\s\"',}}\]]+)")
# scheme://user:password@host: the password part of any URL, even one whose scheme is
# mistyped (`postgresq://…`), so the message can show the URL as the user typed it.
# The password may itself hold `@` (the last `@` before the host ends it) but no `/`.
_USERINFO = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s\"'<>]*:)(?P<value>[^\s\"'<>/]*)(?P<tail>@)")


def _header(match: re.Match) -> str:
    value = match.group("value")
    scheme = _SCHEME_WORD.match(value)
    kept = scheme.group(0) if scheme and match.group("name").lower().endswith("authorization") else ""
    return f"{match.group('name')}{match.group('sep')}{kept}{MASK}"


def redact(text: str) -> str:
    """``text`` with every credential it quotes replaced by ``***``.

    Covers credential headers, bearer/basic tokens, passwords in URLs (``user:pw@``),
    and secret-named keys (``password=``, ``token=``, ``"api_key": "…"``…)."""
    if not text:
        return text
    text = _HEADER.sub(_header, text)
    text = _USERINFO.sub(lambda m: m.group("head") + (MASK if m.group("value") else "") + m.group("tail"), text)
    text = _QUOTED.sub(lambda m: f"{m.group('key')}{m.group('sep')}{m.group('quote')}{MASK}{m.group('quote')}", text)
    text = _JSON_BARE.sub(lambda m: m.group("key") + m.group("sep") + MASK, text)
    text = _ASSIGN.sub(lambda m: m.group("key") + m.group("sep") + MASK if m.group("value") != MASK else m.group(0),
                       text)
    return _BEARER.sub(lambda m: m.group(1) + m.group(2) + MASK, text)

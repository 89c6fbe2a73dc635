"""Matching typed queries against Chinese names: plain substring, full pinyin, or
pinyin initials (好又多超市 -> "hydcs"), as dispatchers type in a hurry.

Only pypinyin's single-character dictionary is loaded (its phrase dictionary costs
~0.25 s and tens of MiB at start-up); polyphonic characters instead match on every
reading, so 长安巷 is found by "cax" as well as "zax"."""
from __future__ import annotations

import os
from functools import lru_cache

os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")


@lru_cache(maxsize=8192)
def search_keys(text: str) -> tuple[str, str, tuple[frozenset[str], ...]]:
    """(lowercased text, full pinyin of the default readings, initials per character)."""
    from pypinyin import Style, lazy_pinyin, pinyin  # imported on first search, not at start-up

    full = "".join(lazy_pinyin(text, errors="default")).lower()
    initials = tuple(frozenset(r[0].lower() for r in readings if r)
                     for readings in pinyin(text, style=Style.FIRST_LETTER, heteronym=True, errors="default"))
    return text.lower(), full, initials


def _initials_match(query: str, initials: tuple[frozenset[str], ...]) -> bool:
    n = len(query)
    return any(all(query[j] in initials[i + j] for j in range(n)) for i in range(len(initials) - n + 1))


def matches(query: str, *texts: str) -> bool:
    q = query.strip().lower().replace(" ", "")
    if not q:
        return True
    for text in texts:
        if not text:
            continue
        lowered, full, initials = search_keys(text)
        if q in lowered or q in full or (q.isascii() and _initials_match(q, initials)):
            return True
    return False

"""Matching typed queries against Chinese names: plain substring, full pinyin,
or pinyin initials (好又多超市 -> "hydcs"), as dispatchers type on a hurry."""
from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=4096)
def search_keys(text: str) -> tuple[str, str, str]:
    """(lowercased text, full pinyin, pinyin initials); non-Chinese characters kept."""
    full = "".join(lazy_pinyin(text, errors="default")).lower()
    initials = "".join(p[0] for p in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default") if p).lower()
    return text.lower(), full, initials


def matches(query: str, *texts: str) -> bool:
    q = query.strip().lower().replace(" ", "")
    if not q:
        return True
    return any(q in key for text in texts if text for key in search_keys(text))

"""Editable vocabularies (incident categories in both the 110 and 数字城管 lists,
levels, sources): the entry type and label choice, shared by the CLI and the GUI."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CodeEntry:
    table: str
    code: str
    label_zh: str
    label_en: str
    extra: dict[str, Any] = field(default_factory=dict)

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_zh

    @property
    def needs(self) -> str:
        """The agency capability a responding unit must have (categories only)."""
        return self.extra.get("needs", "any")


CodeTables = dict[str, list[CodeEntry]]


def needs_by_category(tables: CodeTables) -> dict[str, str]:
    return {e.code: e.needs for e in tables.get("category", [])}

"""Reading the editable vocabularies in their administrator-defined order."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.code_tables import CodeEntry, CodeTables
from db.models import CodeTable


def load_code_tables(session: Session) -> CodeTables:
    tables: CodeTables = defaultdict(list)
    for row in session.scalars(select(CodeTable).order_by(CodeTable.table_name, CodeTable.sort_order, CodeTable.id)):
        tables[row.table_name].append(CodeEntry(row.table_name, row.code, row.label_zh, row.label_en, dict(row.extra or {})))
    return dict(tables)

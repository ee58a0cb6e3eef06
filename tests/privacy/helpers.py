"""A scan of every text and JSON column of every table for strings that must be gone after an erasure."""

from __future__ import annotations

import json

from sqlalchemy import JSON, String, Text, select

from shopcx import domains


def leftovers(session, needles: list[str]) -> list[str]:
    """'table.column: value' for every stored value that still contains one of needles (case-insensitive)."""
    session.flush()
    found = []
    wanted = [n.lower() for n in needles if n]
    for table in domains.metadata().sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        if not columns:
            continue
        for row in session.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                if value is None:
                    continue
                text = (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)).lower()
                if any(n in text for n in wanted):
                    found.append(f"{table.name}.{column.name}: {str(value)[:80]}")
    return found

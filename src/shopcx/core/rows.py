"""A table row as a plain dict of its columns (for a buyer's data export: JSON and CSV readable by a person)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import inspect


def row_dict(obj) -> dict:
    """The mapped object's column values; dates as ISO text."""
    out = {}
    for column in inspect(obj).mapper.column_attrs:
        value = getattr(obj, column.key)
        out[column.key] = value.isoformat() if isinstance(value, date | datetime) else value
    return out

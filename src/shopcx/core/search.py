"""Substring search with LIKE where the searcher's % and _ are plain characters, not wildcards."""

from __future__ import annotations

from sqlalchemy import func

ESCAPE = "\\"


def like_escaped(text: str) -> str:
    r"""The text with LIKE's wildcards and the escape character escaped ('50%_off' -> '50\%\_off')."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def contains(column, text: str):
    """`column` contains `text`, ignoring case; `q=%` finds only values with a real '%' in them."""
    return func.lower(column).like(f"%{like_escaped(text.lower())}%", escape=ESCAPE)

"""Batched Core inserts for the demo writers, and the ids the stored rows got."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice

from sqlalchemy import insert
from sqlalchemy.orm import Session

from ..core.db import note_bulk_write

BATCH = 1000
Progress = Callable[[str, int, int], None]  # (what, how many more done, total)


def batches(items, size: int = BATCH):
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def insert_ids(session: Session, table, rows: list[dict]) -> list[int]:
    """Insert rows and return their ids in the same order (one multi-row INSERT … RETURNING per batch)."""
    if not rows:
        return []
    note_bulk_write(session, table.name, len(rows))
    return list(session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows))


def insert_rows(session: Session, table, rows: list[dict]) -> None:
    if rows:
        note_bulk_write(session, table.name, len(rows))
        session.execute(insert(table), rows)


@dataclass
class Stored:
    """The ids the stored rows got, for what refers to them (the reviews)."""

    products: dict[str, int]  # sku -> product id
    customers: list[int]  # aligned with DemoShop.people
    orders: list[int] = field(default_factory=list)  # aligned with DemoShop.orders
    lines: dict[tuple[int, int], int] = field(default_factory=dict)  # (order index, line_no) -> order line id

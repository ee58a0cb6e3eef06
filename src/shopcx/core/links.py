"""Helpers for the domains' `entity_links` functions (core/face.py): record ids as the audit log stores them."""

from __future__ import annotations

from collections.abc import Iterable

Links = dict[str, tuple[str, str | None]]


def int_ids(ids: Iterable[str]) -> set[int]:
    """The ids that are whole numbers (the audit log stores every id as text)."""
    return {int(i) for i in ids if str(i).isdigit()}

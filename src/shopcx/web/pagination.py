"""One page of a list: which rows to fetch and how to link to the neighbours."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request


@dataclass(frozen=True)
class Page:
    """Page `number` (1-based) of `size` rows out of `total`."""

    number: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_row(self) -> int:
        return 0 if self.total == 0 else self.offset + 1

    @property
    def last_row(self) -> int:
        return min(self.total, self.offset + self.size)


def page_number(raw: str | int | None) -> int:
    """A 1-based page number from a query parameter (anything odd means the first page)."""
    try:
        return max(1, min(int(raw or 1), 1_000_000))
    except (TypeError, ValueError):
        return 1


def with_query(request: Request, **changes) -> str:
    """This page's path and query with some parameters replaced (None or '' removes one)."""
    params = {k: v for k, v in request.query_params.items()}
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    params = {k: v for k, v in params.items() if v != ""}
    return request.url.path + (f"?{urlencode(params)}" if params else "")

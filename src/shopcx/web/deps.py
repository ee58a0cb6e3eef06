"""Request dependencies shared by JSON routes and pages: one session per request, the acting user or token."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Path, Request
from sqlalchemy.orm import Session

from ..core import db
from ..staff import service as staff
from ..staff.service import Actor
from . import token_use


def _unit_of_work(request: Request) -> Iterator[Session]:
    # Requests that change data take SQLite's write lock up front (see db.session_scope); reads never wait.
    write = request.method not in ("GET", "HEAD", "OPTIONS")
    with db.session_scope(write=write) as session:
        if not write:
            # A read must not write: on SQLite its read transaction would have to upgrade and can fail at once
            # when another writer committed meanwhile. db warns, naming the route, if one ever does.
            session.info["read_only"] = f"{request.method} {request.url.path}"
        yield session


def get_session(session: Session = Depends(_unit_of_work, scope="function")) -> Session:
    """One unit of work per request, committed before the response is sent (rolled back on error)."""
    return session


# The largest id a BIGINT holds; a bigger number in a URL names no row, and binding it fails on both databases.
MAX_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]


def parse_id(text: str) -> int | None:
    """An id from a free-text query parameter (a filter), or None when it cannot name a row."""
    text = text.strip()
    # isdigit() also accepts '²' and other digits int() refuses.
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
        return None
    return int(text)


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("x-api-token")


def token_actor(request: Request, session: Session, background: BackgroundTasks) -> Actor:
    """The actor behind the request's API token; its last-used stamp is written after the response."""
    raw = bearer_token(request)
    actor = staff.actor_for_token(session, raw, client_ip(request))
    token_use.note(raw, background)
    return actor


def require_scope(scope: str):
    """A dependency: the request carries an API token that has `scope`."""

    def dependency(request: Request, background: BackgroundTasks, session: Session = Depends(get_session)) -> Actor:
        actor = token_actor(request, session, background)
        actor.require(scope)
        return actor

    dependency.scope = scope  # read by tests/api/test_scope_map.py against staff/scope_map.py
    return dependency

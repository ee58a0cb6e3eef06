"""Request dependencies shared by JSON routes and pages: one session per request, the acting user or token."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from ..core import db
from ..staff import service as staff
from ..staff.service import Actor


def _unit_of_work() -> Iterator[Session]:
    with db.session_scope() as session:
        yield session


def get_session(session: Session = Depends(_unit_of_work, scope="function")) -> Session:
    """One unit of work per request, committed before the response is sent (rolled back on error)."""
    return session


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("x-api-token")


def require_scope(scope: str):
    """A dependency: the request carries an API token that has `scope`."""

    def dependency(request: Request, session: Session = Depends(get_session)) -> Actor:
        actor = staff.actor_for_token(session, bearer_token(request), client_ip(request))
        actor.require(scope)
        return actor

    return dependency

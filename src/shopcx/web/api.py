"""API conventions every JSON router shares: token auth in OpenAPI, the error answer, paging."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Query, Request
from fastapi.security import HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from ..core.settings import get_settings
from ..staff.service import Actor
from .deps import get_session, token_actor


class ErrorOut(BaseModel):
    """The body of every error answer; `field` names the offending input when there is one."""

    error: str = Field(description="Machine-readable code, e.g. invalid_input, invalid_transition")
    message: str = Field(description="Human-readable message that starts with the field it is about")
    field: str | None = None


MAX_PAGE_SIZE = 200
# Past this the offset no longer fits a BIGINT (and no list is that long); the pages cap the same way.
MAX_PAGE = 1_000_000

# Declares the bearer token in OpenAPI (the Authorize button of /docs); the dependencies do the checking.
bearer_scheme = HTTPBearer(auto_error=False, scheme_name="ApiToken",
                           description="An API token from `shopcx user token NAME --scope …`, sent as "
                                       "`Authorization: Bearer scx_…` (or `X-API-Token: scx_…`).")

API_ERRORS: dict[int | str, dict] = {
    401: {"model": ErrorOut, "description": "No token, or an unknown, revoked or expired one"},
    403: {"model": ErrorOut, "description": "The token lacks the scope this route needs"},
    404: {"model": ErrorOut, "description": "No record (shop, customer, order, product) with this key"},
    422: {"model": ErrorOut, "description": "Invalid input; `field` names it and `message` starts with it"},
}

SessionDep = Annotated[Session, Depends(get_session)]


def require_token(request: Request, session: SessionDep, background: BackgroundTasks) -> Actor:
    """A dependency: the request carries a valid API token, whatever its scopes."""
    return token_actor(request, session, background)


@dataclass(frozen=True)
class Paging:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def paging(page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="1-based page number")] = 1,
           page_size: Annotated[int | None, Query(ge=1, le=MAX_PAGE_SIZE,
                                                  description=f"Items per page (at most {MAX_PAGE_SIZE}; "
                                                              "default SHOPCX_PAGE_SIZE)")] = None) -> Paging:
    """A dependency: the page asked for, with the page size capped at MAX_PAGE_SIZE."""
    return Paging(page=page, page_size=page_size or min(get_settings().page_size, MAX_PAGE_SIZE))


PageDep = Annotated[Paging, Depends(paging)]
TokenActor = Annotated[Actor, Depends(require_token)]

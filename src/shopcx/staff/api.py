"""API conventions every JSON router shares (token auth, error answers, paging) and `GET /api/v1/me`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from ..core.settings import get_settings
from ..orders.schemas import ErrorOut
from ..web.deps import bearer_token, client_ip, get_session
from . import service as staff
from .rules import SCOPES
from .service import Actor

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


def require_token(request: Request, session: SessionDep) -> Actor:
    """A dependency: the request carries a valid API token, whatever its scopes."""
    return staff.actor_for_token(session, bearer_token(request), client_ip(request))


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


class TokenInfo(BaseModel):
    name: str = Field(description="The token's name as given when it was issued")
    scopes: list[str] = Field(description=f"Any of {', '.join(SCOPES)}")


router = APIRouter(prefix="/api/v1", tags=["tokens"], dependencies=[Depends(bearer_scheme)],
                   responses=API_ERRORS)


@router.get("/me", response_model=TokenInfo)
def who_am_i(actor: TokenActor) -> TokenInfo:
    """The calling token's name and scopes (any valid token)."""
    return TokenInfo(name=actor.label.removeprefix("token:"), scopes=sorted(actor.scopes))

"""`GET /api/v1/me`: which token is calling and what it may do."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from ..web.api import API_ERRORS, TokenActor, bearer_scheme
from .rules import SCOPES


class TokenInfo(BaseModel):
    name: str = Field(description="The token's name as given when it was issued")
    scopes: list[str] = Field(description=f"Any of {', '.join(SCOPES)}")


router = APIRouter(prefix="/api/v1", tags=["tokens"], dependencies=[Depends(bearer_scheme)],
                   responses=API_ERRORS)


@router.get("/me", response_model=TokenInfo)
def who_am_i(actor: TokenActor) -> TokenInfo:
    """The calling token's name and scopes (any valid token)."""
    return TokenInfo(name=actor.label.removeprefix("token:"), scopes=sorted(actor.scopes))

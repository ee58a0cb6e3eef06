"""What every loyalty API module shares: the permission each route needs, the shop's program and member,
the idempotency key spending needs, and the page shape."""


from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header
from sqlalchemy.orm import Session

from ...core import clock
from ...core.errors import InvalidInput, NotFound
from ...shops import service as shops
from ...staff.service import Actor
from ...web.api import ErrorOut, Paging
from ...web.deps import require_scope
from ..models import LoyaltyAccount
from ..service.members.accounts import find_account
from ..service.program import versions as programs
from ..service.program.versions import ActiveProgram

Reader = Annotated[Actor, Depends(require_scope("loyalty:read"))]
Writer = Annotated[Actor, Depends(require_scope("loyalty:write"))]
# The pages' own split: rules and catalogue are settings, tier floors and approvals need an approver.
Approver = Annotated[Actor, Depends(require_scope("loyalty:approve"))]
Settings = Annotated[Actor, Depends(require_scope("loyalty:settings"))]
KeyHeader = Annotated[str | None, Header(alias="Idempotency-Key", max_length=100,
                                         description="Makes a retried request act once")]
BASE = "/shops/{shop_code}/loyalty"
CONFLICT = {409: {"model": ErrorOut, "description": "A loyalty rule refused it (not enough points, decided, ...)"}}


def active_program(session: Session, shop_code: str) -> ActiveProgram:
    """The shop's published program; NotFound when it has none."""
    shop = shops.get_shop(session, shop_code)
    program = programs.active(session, shop.id)
    if program is None:
        raise NotFound("no_program", f"shop: {shop_code} has no published loyalty program", field="shop")
    return program


def member_of(session: Session, program: ActiveProgram, customer_id: int) -> LoyaltyAccount:
    """The customer's membership of the program; NotFound when they are not a member."""
    account = find_account(session, program.program.id, customer_id)
    if account is None:
        raise NotFound("member_not_found", f"customer_id: customer {customer_id} is not a member of this program",
                       field="customer_id")
    return account


def shop_today(program: ActiveProgram):
    """Today in the program's shop timezone."""
    return clock.today_in(program.shop.timezone)


def spend_key(header: str | None, body: str | None, program: ActiveProgram) -> str:
    """The idempotency key a spending request must carry, scoped to the program."""
    key = (header or body or "").strip()
    if not key:
        raise InvalidInput("idempotency_key_required", "Idempotency-Key: spending points needs an idempotency key "
                           "(the header, or `idempotency_key` in the body)", field="Idempotency-Key")
    return f"{program.program.id}:{key}"  # clients of different shops may pick the same keys


def page_of(items: list, total: int, page: Paging) -> dict:
    """One page of a list in the API's page shape."""
    return {"items": items, "total": total, "page": page.page, "page_size": page.page_size}


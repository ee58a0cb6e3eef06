"""What the staff survey pages share: the permissions and the shops a viewer sees."""

from __future__ import annotations

from fastapi import Depends
from sqlalchemy.orm import Session

from ...shops import service as shops
from ...web.auth import require

Reader = Depends(require("surveys:read"))
Writer = Depends(require("surveys:write"))


def shop_ids(session: Session) -> list[int]:
    return [s.id for s in shops.list_shops(session)]

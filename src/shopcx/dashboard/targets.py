"""The owner's targets per figure: for one shop, or for all shops (a shop without its own target uses that one)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import clock
from ..core.errors import InvalidInput
from ..staff.service import Actor, audit
from .figures import ORDER
from .models import FigureTarget

# The range a target may take, in the figure's unit (shares 0–1, NPS points, DSR 1–5, counts, minor units).
RANGES = {"nps": (-100.0, 100.0), "dsr_description": (1.0, 5.0), "dsr_service": (1.0, 5.0),
          "dsr_logistics": (1.0, 5.0), "backlog": (0.0, 1e9), "value_at_stake": (0.0, 1e15),
          "points_liability": (0.0, 1e15), "lifecycle": (0.0, 1e12), "tier_mix": (0.0, 1e12),
          "satisfaction_index": (0.0, 100.0), "promises_due": (0.0, 1e9), "promises_overdue": (0.0, 1e9),
          "callbacks_due": (0.0, 1e9), "failed_sends": (0.0, 1e9), "campaign_uplift": (-1e15, 1e15)}
SHARE = (0.0, 1.0)


def _scope(shop_id: int | None) -> str:
    return f"shop:{shop_id}" if shop_id else "all"


def targets_for(session: Session, shop_id: int | None) -> dict[str, float]:
    """figure -> target for the shop (its own, else the all-shops one), or the all-shops targets."""
    rows = session.scalars(select(FigureTarget).where(FigureTarget.scope.in_({"all", _scope(shop_id)})))
    found: dict[str, float] = {}
    for row in sorted(rows, key=lambda r: r.scope != "all"):  # the shop's own target wins
        found[row.figure] = row.value
    return found


def set_target(session: Session, shop_id: int | None, figure: str, value: float | None, *, actor: Actor) -> None:
    """Set (or with None clear) one figure's target, checked against the figure's range; audited."""
    if figure not in ORDER:
        raise InvalidInput("unknown_figure", f"figure: no figure '{figure}'", field="figure")
    low, high = RANGES.get(figure, SHARE)
    if value is not None and not low <= value <= high:
        raise InvalidInput("target_out_of_range", f"{figure}: a target between {low:g} and {high:g}", field=figure)
    row = session.scalar(select(FigureTarget).where(FigureTarget.scope == _scope(shop_id),
                                                    FigureTarget.figure == figure))
    old = row.value if row is not None else None
    if old == value:
        return
    if value is None:
        session.delete(row)
    elif row is None:
        session.add(FigureTarget(scope=_scope(shop_id), shop_id=shop_id, figure=figure, value=value,
                                 set_by=actor.label, set_at=clock.now()))
    else:
        row.value, row.set_by, row.set_at = value, actor.label, clock.now()
    audit(session, actor, "dashboard.target", "shop" if shop_id else "dashboard", shop_id,
          {"figure": figure, "from": old, "to": value})
    session.flush()

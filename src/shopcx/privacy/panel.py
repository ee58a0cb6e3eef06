"""The customer page's privacy section: logs that the viewer saw the full phone or e-mail (who, whose, when) and
shows the open data requests and the latest views to those who manage privacy."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.face import Panel
from .erasure import log_pii_view, pii_views
from .models import DataRequest


def panel(session: Session, customer, viewer) -> Panel | None:
    if viewer.can("pii"):
        seen = [name for name in ("phone", "email") if getattr(customer, name)]
        log_pii_view(session, viewer.actor.label, customer.id, seen, f"/customers/{customer.id}")
    if not viewer.can("privacy:manage"):
        return None
    requests = list(session.scalars(select(DataRequest).where(DataRequest.customer_id == customer.id,
                                                              DataRequest.status != "unverified")
                                    .order_by(DataRequest.id.desc()).limit(10)))
    return Panel("privacy/_customer_panel.html", {"customer_id": customer.id, "requests": requests,
                                                  "views": pii_views(session, customer.id, limit=10)})

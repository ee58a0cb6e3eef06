"""Staff members by display name with a link to what they did, for the audit log."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.links import Links, int_ids
from .models import StaffUser


def entity_links(session: Session, entity: str, ids: set[str]) -> Links:
    if entity == "actor":  # the actor labels other tables keep ('user:<username>')
        names = {i.removeprefix("user:") for i in ids if i.startswith("user:")}
        rows = session.execute(select(StaffUser.username, StaffUser.display_name)
                               .where(StaffUser.username.in_(names)))
        return {f"user:{username}": (display or username, f"/audit?actor={username}") for username, display in rows}
    if entity != "staff_user":
        return {}
    rows = session.execute(select(StaffUser.id, StaffUser.display_name, StaffUser.username)
                           .where(StaffUser.id.in_(int_ids(ids))))
    return {str(i): (display or username, f"/audit?actor={username}") for i, display, username in rows}

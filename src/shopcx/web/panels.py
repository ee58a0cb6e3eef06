"""Sections that domains add to the customer page, in the composition root's order (see core/face.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from .. import domains
from ..core.face import Panel
from .auth import Viewer


def customer_panels(session: Session, customer, viewer: Viewer) -> list[Panel]:
    """Each domain's section of this customer's page that the viewer may see (a domain returns None for none)."""
    found = (face.customer_panel_for(session, customer, viewer) for face in domains.FACES)
    return [panel for panel in found if panel is not None]

"""Sections that domains add to the customer page, in the composition root's order (see core/face.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy.orm import Session

from .. import domains
from ..core import i18n
from ..core.face import Panel, TimelineEntry
from .auth import Viewer


def customer_panels(session: Session, customer, viewer: Viewer) -> list[Panel]:
    """Each domain's section of this customer's page that the viewer may see (a domain returns None for none)."""
    found = (face.customer_panel_for(session, customer, viewer) for face in domains.FACES)
    return [panel for panel in found if panel is not None]


def review_panels(session: Session, review, case, viewer: Viewer) -> list[Panel]:
    """Each domain's section of this review's page (beside its care case) that the viewer may see."""
    found = (face.review_panel_for(session, review, case, viewer) for face in domains.FACES)
    return [panel for panel in found if panel is not None]


def customer_timeline(session: Session, customer_id: int, *, kinds: set[str] | None = None,
                      limit: int = 100) -> list[TimelineEntry]:
    """What every domain did for the customer and how they responded, latest first (each domain's own entries,
    through its face's `timeline`); `kinds` keeps only those kinds."""
    found = [entry for face in domains.FACES for entry in face.timeline_for(session, customer_id, limit)
             if not kinds or entry.kind in kinds]
    return sorted(found, key=lambda e: e.at, reverse=True)[:limit]


Link = tuple[str, str | None]  # a record's name and the page that shows it (None: no page)


def record_links(session: Session, pairs: Iterable[tuple[str, str | None]]) -> dict[tuple[str, str], Link]:
    """(entity, id) -> (name, link) for records of any domain, asked of the domain that owns them (one query per
    entity type); records no domain names are left out."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for entity, record_id in pairs:
        if record_id:
            wanted[entity].add(str(record_id))
    found: dict[tuple[str, str], Link] = {}
    for entity, ids in wanted.items():
        for face in domains.FACES:
            found.update({(entity, i): link for i, link in face.entity_links_for(session, entity, ids).items()})
    return found


def actor_link(label: str | None, links: dict[tuple[str, str], Link], locale: str) -> Link:
    """Who did something, by name: a staff member (record_links of ("actor", label)), an API token, the system,
    an import job; never the stored label 'user:demo-owner'."""
    label = label or ""
    if ("actor", label) in links:
        return links[("actor", label)]
    kind, _, rest = label.partition(":")
    if kind == "user" and rest:
        return rest, f"/audit?actor={rest}"
    if kind == "token" and rest:
        return i18n.t("audit.actor_token", locale, name=rest), None
    job = rest.removeprefix("job ").strip()
    if kind == "import" and job.isdigit():
        return i18n.t("audit.actor_import", locale, id=job), f"/imports/{job}"
    if label in ("system", "demo", "worker"):
        return i18n.t(f"audit.actor_{label}", locale), None
    return label, None

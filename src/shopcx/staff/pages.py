"""Staff pages: the audit log of every change made by staff and tokens."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from ..core import i18n
from ..core.settings import get_settings
from ..web.auth import PageSession, Viewer, require, verify_csrf
from ..web.pagination import Page, page_number
from ..web.panels import actor_link, record_links
from ..web.templating import render, wants_fragment
from . import repository

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def _value(value, locale: str) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return i18n.t("common.yes" if value else "common.no", locale)
    if isinstance(value, dict):
        if value.keys() <= {"from", "to"}:
            return f"{_value(value.get('from'), locale)} → {_value(value.get('to'), locale)}"
        return "；".join(f"{i18n.field_label(k, locale)} {_value(v, locale)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "、".join(_value(v, locale) for v in value) if locale == "zh" else \
            ", ".join(_value(v, locale) for v in value)
    return str(value)


# Values that are codes with a label of their own: channel phone -> 电话, result reached -> 已联系上.
_VALUE_LABELS = {"channel": "channel", "result": "review.contact.result", "outcome": "review.case.outcome",
                 "rating_class": "review.class", "role": "role", "locale": "locale", "status": "status",
                 "format": "platform", "source": "platform", "platform": "platform"}


def _coded(key: str, value, locale: str) -> str:
    prefix = _VALUE_LABELS.get(key)
    if prefix and isinstance(value, str) and i18n.has(f"{prefix}.{value}", locale):
        return i18n.t(f"{prefix}.{value}", locale)
    if key == "locale" and value in i18n.LOCALE_NAMES:
        return i18n.LOCALE_NAMES[value]
    return _value(value, locale)


def changes(entry, locale: str) -> list[tuple[str, str]]:
    """The entry's recorded changes as (field label, value) lines in the reader's language, not JSON."""
    return [(i18n.field_label(key, locale), _coded(key, value, locale)) for key, value in (entry.changes or {}).items()]


def entries(session: Session, rows, locale: str) -> list[dict]:
    """Audit rows for the page: actor and record by name with a link, changes as labelled lines."""
    links = record_links(session, [*((r.entity, r.entity_id) for r in rows), *(("actor", r.actor) for r in rows)])
    out = []
    for r in rows:
        actor, actor_href = actor_link(r.actor, links, locale)
        name, href = links.get((r.entity, r.entity_id or ""), (f"#{r.entity_id}" if r.entity_id else "", None))
        out.append({"at": r.at, "action": r.action, "entity": r.entity, "entity_id": r.entity_id, "ip": r.ip,
                    "actor": actor, "actor_href": actor_href, "record": name, "record_href": href,
                    "changes": changes(r, locale)})
    return out


@router.get("/audit")
def audit_log(request: Request, action: str = "", actor: str = "", page: str = "1",
              viewer: Viewer = Depends(require("audit:read")), session: Session = PageSession):
    """The audit log, newest first, filtered by actor and action (the table alone for HTMX)."""
    size = get_settings().page_size
    number = page_number(page)
    rows, total = repository.audit_page(session, offset=(number - 1) * size, limit=size,
                                        action=action or None, actor=actor or None)
    context = {"entries": entries(session, rows, viewer.locale), "page": Page(number, size, total),
               "tz": get_settings().default_timezone}
    if wants_fragment(request, "results"):
        return render(request, "staff/_audit_table.html", context, viewer=viewer)
    context |= {"form": {"action": action, "actor": actor}, "actions": repository.audit_actions(session)}
    return render(request, "staff/audit.html", context, viewer=viewer)

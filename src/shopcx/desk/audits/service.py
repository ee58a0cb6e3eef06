"""Mystery-shopper audits: plan one, score it (a staff auditor on the desk's page, an outside one at a signed link),
and the results per agent and dimension over time. Services flush; the request commits."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...core import clock
from ...core.errors import Conflict, InvalidInput, NotFound
from ...staff import service as staff
from ...staff.service import Actor, audit
from ..channels import links
from ..service import sla
from . import rules
from .tables import DeskAudit, DeskAuditScore

_PURPOSE = b"shopcx.desk-audit.v1:"
AUDIT_CHANNELS = ("phone", "chat", "form", "email")


def _staff_id(session: Session, user_id: int | None, field: str) -> int | None:
    if user_id is None:
        return None
    if user_id not in {u.id for u in staff.list_users(session) if u.is_active}:
        raise InvalidInput("invalid_owner", f"{field}: no active staff member with id {user_id}", field=field)
    return user_id


def plan_audit(session: Session, shop, *, title: str, channel: str, scenario: str, due_on: date,
               agent_id: int | None = None, auditor_user_id: int | None = None, auditor_name: str | None = None,
               actor: Actor) -> DeskAudit:
    """A planned mystery-shopper contact; the auditor is a staff member or an outside person (named)."""
    actor.require("desk:settings")
    title, scenario, name = (title or "").strip(), (scenario or "").strip(), (auditor_name or "").strip() or None
    for value, field in ((title, "title"), (scenario, "scenario")):
        if not value:
            raise InvalidInput("required", f"{field}: this field is required", field=field)
    channel = sla.check_choice(channel, AUDIT_CHANNELS, "channel")
    if (auditor_user_id is None) == (name is None):
        raise InvalidInput("auditor_needed", "auditor: choose a staff member or name an outside person",
                           field="auditor")
    found = DeskAudit(shop_id=shop.id, title=title[:120], channel=channel, scenario=scenario[:5000], due_on=due_on,
                      agent_id=_staff_id(session, agent_id, "agent"),
                      auditor_user_id=_staff_id(session, auditor_user_id, "auditor"), auditor_name=name and name[:120],
                      status="planned", created_by=actor.label, created_at=clock.now())
    session.add(found)
    session.flush()
    audit(session, actor, "desk.audit_planned", "desk_audit", found.id, {"title": found.title})
    return found


def get_audit(session: Session, audit_id: int) -> DeskAudit:
    found = session.get(DeskAudit, audit_id)
    if found is None:
        raise NotFound("audit_not_found", f"audit: no audit with id {audit_id}", field="audit")
    return found


def score_of(session: Session, audit_id: int) -> DeskAuditScore | None:
    return session.scalar(select(DeskAuditScore).where(DeskAuditScore.audit_id == audit_id))


def auditor_link(found: DeskAudit) -> str:
    """The signed token an outside auditor scores with (`/audit/<token>`)."""
    return links.issue(found.id, days=max(30, (found.due_on - clock.today_in("UTC")).days + 30), purpose=_PURPOSE)


def audit_by_link(session: Session, token: str) -> DeskAudit:
    return get_audit(session, links.verify(token, purpose=_PURPOSE))


def _score(value, field: str) -> int:
    text = str(value or "").strip()
    if not text.isdigit() or not 1 <= int(text) <= 5:
        raise InvalidInput("rating_out_of_range", f"{field}: choose 1 to 5", field=field)
    return int(text)


def score_audit(session: Session, found: DeskAudit, scores: dict, *, contacted_at: datetime,
                answered_at: datetime | None, comment: str = "", scored_by: str) -> DeskAuditScore:
    """Record the audit's result once: the five dimensions 1–5 and the measured response time."""
    if found.status == "done":
        raise Conflict("audit_scored", "audit: this audit was already scored", field="audit")
    values = {d: _score(scores.get(d), d) for d in rules.DIMENSIONS}
    if answered_at is not None and answered_at < contacted_at:
        raise InvalidInput("answered_before_contact", "answered_at: the answer came before the contact",
                           field="answered_at")
    row = DeskAuditScore(audit_id=found.id, **values, contacted_at=contacted_at, answered_at=answered_at,
                         response_minutes=rules.response_minutes(contacted_at, answered_at),
                         comment=(comment or "").strip()[:4000] or None, scored_by=scored_by[:120],
                         scored_at=clock.now())
    session.add(row)
    found.status = "done"
    session.flush()
    return row


def audits(session: Session, shop_id: int, *, offset: int = 0,
           limit: int = 200) -> list[tuple[DeskAudit, DeskAuditScore | None]]:
    """The shop's plans, latest due first, with their score once done (the page shows the first 200)."""
    plans = list(session.scalars(select(DeskAudit).where(DeskAudit.shop_id == shop_id)
                                 .order_by(DeskAudit.due_on.desc(), DeskAudit.id.desc()).offset(offset).limit(limit)))
    scored = {s.audit_id: s for s in session.scalars(select(DeskAuditScore).where(
        DeskAuditScore.audit_id.in_([p.id for p in plans] or [-1])))}
    return [(p, scored.get(p.id)) for p in plans]


def count(session: Session, shop_id: int) -> int:
    return session.scalar(select(func.count(DeskAudit.id)).where(DeskAudit.shop_id == shop_id)) or 0


def _scored(session: Session, shop_id: int, tz: str,
            since: datetime | None = None) -> list[tuple[int | None, str, dict[str, int], int | None]]:
    """Every scored audit of the shop (contacted since `since`) as (agent, month of the contact in `tz`, scores,
    response minutes)."""
    from zoneinfo import ZoneInfo

    stmt = select(DeskAudit.agent_id, DeskAuditScore).join(
        DeskAuditScore, DeskAuditScore.audit_id == DeskAudit.id).where(DeskAudit.shop_id == shop_id)
    if since is not None:
        stmt = stmt.where(DeskAuditScore.contacted_at >= since)
    rows = session.execute(stmt).all()
    zone = ZoneInfo(tz)
    return [(agent, clock.as_utc(s.contacted_at).astimezone(zone).strftime("%Y-%m"),
             {d: getattr(s, d) for d in rules.DIMENSIONS}, s.response_minutes) for agent, s in rows]


def results(session: Session, shop_id: int, tz: str = "UTC") -> dict:
    """Per agent (None: the whole desk), per month of the contact, per dimension: the means (rules.by_agent_month)."""
    return rules.by_agent_month(_scored(session, shop_id, tz))


def agent_scores(session: Session, shop_id: int, since: datetime) -> dict[int, tuple[float, int]]:
    """Per agent, the mean overall score of the audits of them contacted since `since`, and how many (coaching)."""
    return rules.by_agent(_scored(session, shop_id, "UTC", since))


def trend(session: Session, shop_id: int, tz: str = "UTC") -> dict:
    """The overall score per month, of all audits and per agent (rules.trend): the audits page's chart."""
    return rules.trend(_scored(session, shop_id, tz))


def report(session: Session, shop_id: int, tz: str = "UTC") -> tuple[dict, dict]:
    """The table and the chart of the audits page from one read: (results, trend)."""
    rows = _scored(session, shop_id, tz)
    return rules.by_agent_month(rows), rules.trend(rows)

"""'Needs attention today': one list across domains, most pressing first, each item one click from its page.

Each source is the owning domain's own service call (the desk's urgency order, the reviews inbox, the loyalty
approvals, the import jobs, the latest analysis run), limited to what the viewer may act on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy.orm import Session

from ..care.service import callbacks as care_calls
from ..core import clock
from ..desk.service import promises as desk_promises
from ..desk.service.views import TicketFilter, badges
from ..desk.service.views import search as ticket_search
from ..imports import service as imports
from ..loyalty import service as loyalty
from ..loyalty.service.points import adjustments
from ..reviews import service as reviews
from ..shops.models import Shop
from . import at_risk, figures

LIMIT = 8  # items per source: the list is for today, the domain page has the rest
SOON = timedelta(hours=4)  # a ticket whose clock runs out within this is "breaching soon"
FAILED_IMPORT_DAYS = 7


@dataclass
class Item:
    """One thing to handle: its kind (label key), a title, the moment it is due (None: waiting), and its page."""

    kind: str
    title: str
    href: str
    permission: str
    due_at: datetime | None = None
    vars: dict = field(default_factory=dict)  # for the kind's sentence
    urgent: bool = False

    def as_dict(self) -> dict:
        return {"kind": self.kind, "title": self.title, "href": self.href, "urgent": self.urgent,
                "due_at": self.due_at.isoformat() if self.due_at else None, "vars": self.vars}


def _tickets(session: Session, shops: list[Shop], one: Shop | None) -> list[Item]:
    """Open tickets whose SLA clock is breached or runs out within SOON."""
    now = clock.now()
    rows, _ = ticket_search(session, TicketFilter(shop_id=one.id if one else None, status="active"), limit=LIMIT * 3)
    marks = badges(session, rows, now)  # the whole page at once: one calendar per shop, not one per ticket
    out = []
    for ticket in rows:
        badge = marks.get(ticket.id)
        if not badge or badge["paused"] or badge["due_at"] is None or badge["due_at"] > now + SOON:
            continue
        out.append(Item("ticket_sla", ticket.subject, f"/desk/tickets/{ticket.id}", "desk:write",
                        due_at=badge["due_at"], urgent=badge["status"] == "breached",
                        vars={"metric": badge["metric"]}))
    return out[:LIMIT]


def _reviews(session: Session, shops: list[Shop], one: Shop | None) -> list[Item]:
    """中/差评 inside their revision window that still need an action (the reviews inbox, 差评 first)."""
    out = []
    for rating_class in ("bad", "neutral"):
        entries = reviews.inbox_head(session, shop_id=one.id if one else None, rating_class=rating_class,
                                     limit=LIMIT)
        for entry in entries:
            text = (entry.review.text or "").strip()
            out.append(Item(f"review_{rating_class}", text[:60] or entry.review.external_id,
                            f"/reviews/{entry.review.id}", "reviews:write", due_at=entry.revision_due_at,
                            urgent=entry.overdue, vars={"action": entry.action}))
    return out[:LIMIT]


def _approvals(session: Session, shops: list[Shop], one: Shop | None) -> list[Item]:
    """Point adjustments waiting for an approver, one item per shop."""
    out = []
    for shop in shops if one is None else [one]:
        program = loyalty.active(session, shop.id)
        waiting = adjustments.pending_count(session, program) if program is not None else 0
        if waiting:
            out.append(Item("approvals", shop.name, f"/loyalty/approvals?shop={shop.id}", "loyalty:approve",
                            vars={"n": waiting}))
    return out


def _imports(session: Session, shops: list[Shop], one: Shop | None) -> list[Item]:
    """Imports that failed or were interrupted in the last days (all shops: a job may create its shop)."""
    since = clock.now() - timedelta(days=FAILED_IMPORT_DAYS)
    jobs, _ = imports.list_jobs(session, offset=0, limit=50)
    return [Item("import_failed", job.filename, f"/imports/{job.id}", "imports:run", due_at=None, urgent=True)
            for job in jobs if job.created_at >= since
            and (job.status == "failed" or imports.is_interrupted(job))][:LIMIT]


def _at_risk(session: Session, shops: list[Shop], one: Shop | None) -> list[Item]:
    """Key customers of the latest run who were not at risk in the run before (newly at risk), by value at stake;
    kept per pair of runs (at_risk.py), names as they are now."""
    run, rows = at_risk.newly_at_risk(session, one)
    return [Item("newly_at_risk", row["name"] or f"#{row['customer_id']}", f"/customers/{row['customer_id']}",
                 "customers:read", vars={"amount": row["value_at_stake_amount"], "currency": run.currency})
            for row in rows][:LIMIT]


def _promises(session: Session, shops: list[Shop], one: Shop | None) -> list[Item]:
    """Open promises due by the end of the shop's today (past due ones urgent), each on its ticket's page."""
    out = []
    for shop in shops if one is None else [one]:
        end = clock.to_utc(datetime.combine(clock.today_in(shop.timezone) + timedelta(days=1), time()), shop.timezone)
        rows, _ = desk_promises.open_due(session, shop.id, end, limit=LIMIT)
        now = clock.now()
        out += [Item("promise_due", row.what[:60], f"/desk/tickets/{row.ticket_id}" if row.ticket_id
                     else f"/customers/{row.customer_id}", "desk:write", due_at=clock.as_utc(row.due_at),
                     urgent=clock.as_utc(row.due_at) <= now) for row in rows]
    return sorted(out, key=lambda i: i.due_at)[:LIMIT]


def _callbacks(session: Session, shops: list[Shop], one: Shop | None) -> list[Item]:
    """Call tasks due by the shop's today (earlier days urgent), each on its task page."""
    out = []
    for shop in shops if one is None else [one]:
        today = clock.today_in(shop.timezone)
        rows, _ = care_calls.due_list(session, shop_id=shop.id, today=today, user_id=None, limit=LIMIT)
        out += [Item("callback_due", name or f"#{task.customer_id}", f"/care/callbacks/{task.id}", "callbacks:work",
                     due_at=clock.to_utc(datetime.combine(task.due_on, time()), shop.timezone),
                     urgent=task.due_on < today) for task, name in rows]
    return sorted(out, key=lambda i: i.due_at)[:LIMIT]


def _sends(session: Session, shops: list[Shop], one: Shop | None) -> list[Item]:
    """Messages that failed to send in the last days: one item, the home page's card (the same call and scope),
    to the message log filtered to them."""
    card = next(iter(figures.failed_sends(session, [one] if one is not None else shops, one)), None)
    if card is None or not card.value:
        return []
    return [Item("send_failed", "", card.href, "messaging:read", urgent=True,
                 vars={"n": card.value, "days": figures.FAILED_SEND_DAYS})]


SOURCES: tuple[Callable[..., list[Item]], ...] = (_tickets, _reviews, _promises, _callbacks, _approvals, _imports,
                                                  _sends, _at_risk)


def attention(session: Session, shops: list[Shop], one: Shop | None, *, can: Callable[[str], bool]) -> list[Item]:
    """Today's list for the viewer: urgent first, then by due time (waiting items last)."""
    far = datetime.max.replace(tzinfo=clock.now().tzinfo)
    items = [item for source in SOURCES for item in source(session, shops, one) if can(item.permission)]
    return sorted(items, key=lambda i: (not i.urgent, i.due_at or far))

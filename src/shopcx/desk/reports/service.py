"""The desk's report figures for one shop over a window of days, read from the tickets, their SLA clocks and
ratings (the status page's, else the CSAT survey sent on close), and the shop's orders (through the orders and
surveys services); the page and its charts draw the same call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...core import clock
from ...orders import service as orders
from ...surveys import service as surveys
from .. import playbook
from ..channels.tables import TicketOrigin, TicketRating
from ..models import Ticket, TicketSla
from ..records import Promise
from . import figures

FINAL = ("resolved", "closed")


@dataclass
class Report:
    computed_at: datetime
    since: datetime
    days: int
    tickets: int
    sla: dict[str, dict]
    by_category: list[tuple[str | None, int, float]]
    backlog: dict[str, int]
    recovery: figures.Recovery
    pareto_product: list[tuple[str | None, int, float]]
    pareto_carrier: list[tuple[str | None, int, float]]
    agents: list[figures.AgentFigures]
    promises: dict  # promises made in the window: kept, broken, open and the keeping rate (kept ÷ decided)
    promise_agents: dict[int, dict]  # the same per staff member who made them, for the coaching rows
    # tickets taken over from a 中/差评 care case and what the buyer did with the review after the ticket opened
    review_tickets: int
    review_revisions: list[dict]


def report(session: Session, shop, *, days: int = 90, now: datetime | None = None) -> Report:
    """Every figure of the reports page for tickets opened in the last `days` days (the backlog: all open ones)."""
    now = now or clock.now()
    since = now - timedelta(days=days)
    rows = session.execute(select(Ticket.id, Ticket.category, Ticket.status, Ticket.created_at, Ticket.customer_id,
                                  Ticket.resolved_at, Ticket.order_id, Ticket.owner_id, Ticket.first_response_at,
                                  Ticket.closed_at)
                           .where(Ticket.shop_id == shop.id, Ticket.created_at >= since)).all()
    ids = [r.id for r in rows]
    clocks = [(m, stopped, due, breached) for m, stopped, due, breached in session.execute(
        select(TicketSla.metric, TicketSla.stopped_at, TicketSla.due_at, TicketSla.breached)
        .join(Ticket, Ticket.id == TicketSla.ticket_id)
        .where(Ticket.shop_id == shop.id, Ticket.created_at >= since))]
    ratings = dict(session.execute(select(TicketRating.ticket_id, TicketRating.score)
                                   .join(Ticket, Ticket.id == TicketRating.ticket_id)
                                   .where(Ticket.shop_id == shop.id, Ticket.created_at >= since)).all())
    # the buyer's rating on the status page, else the CSAT answer to the survey the ticket's closing sent
    csats = surveys.ticket_csat(session, [surveys.ClosedTicket(r.id, r.customer_id, r.order_id, r.closed_at)
                                          for r in rows if r.closed_at is not None])
    ratings = {ticket_id: c.score for ticket_id, c in csats.items()} | ratings
    open_at = list(session.scalars(select(Ticket.created_at).where(Ticket.shop_id == shop.id,
                                                                   Ticket.status.not_in(FINAL))))
    facts = orders.order_facts(session, {r.order_id for r in rows if r.order_id is not None})
    complaints = [(r.customer_id, r.created_at, r.resolved_at) for r in rows if r.customer_id is not None]
    agents = [(r.owner_id, r.created_at, r.first_response_at, r.resolved_at, ratings.get(r.id))
              for r in rows if r.owner_id is not None]
    with_order = [r for r in rows if r.order_id in facts]
    return Report(
        computed_at=now, since=since, days=days, tickets=len(ids),
        sla=figures.compliance(clocks, now),
        by_category=figures.pareto([r.category for r in rows], limit=20),
        backlog=figures.backlog_ages(open_at, now),
        recovery=figures.recovery(complaints, orders.last_order_times(session, shop.id, [c for c, _, _ in complaints]),
                                  *orders.buyer_counts(session, shop.id)),
        pareto_product=figures.pareto([facts[r.order_id][0] for r in with_order]),
        pareto_carrier=figures.pareto([facts[r.order_id][1] for r in with_order]),
        agents=figures.agent_figures(agents), **_promise_keeping(session, shop.id, since),
        **_review_revisions(session, {r.id: r.created_at for r in rows}))


RANK = {"bad": 0, "neutral": 1, "good": 2}


def _review_revisions(session: Session, opened: dict[int, datetime]) -> dict:
    """Each ticket from a review case whose review was revised after the ticket opened: the latest revision,
    and whether it moved the review up (差评 → 中评/好评)."""
    from ...reviews import service as reviews

    origins = dict(session.execute(select(TicketOrigin.ticket_id, TicketOrigin.ref).where(
        TicketOrigin.kind == "review_case", TicketOrigin.ticket_id.in_(list(opened)))).all()) if opened else {}
    by_case = reviews.case_revisions(session, [int(ref) for ref in origins.values()])
    out = []
    for ticket_id, ref in sorted(origins.items()):
        after = [r for r in by_case[int(ref)] if r.revised_at >= opened[ticket_id]]
        if after:
            first, last = after[0], after[-1]
            out.append({"ticket_id": ticket_id, "from": first.from_class, "to": last.to_class,
                        "revised_at": last.revised_at,
                        "improved": RANK.get(last.to_class, 0) > RANK.get(first.from_class, 0)})
    return {"review_tickets": len(origins), "review_revisions": out}


def _promise_keeping(session: Session, shop_id: int, since: datetime) -> dict:
    per: dict[int | None, dict[str, int]] = {}
    for maker, status, count in session.execute(
            select(Promise.made_by_id, Promise.status, func.count(Promise.id))
            .where(Promise.shop_id == shop_id, Promise.made_at >= since)
            .group_by(Promise.made_by_id, Promise.status)):
        per.setdefault(maker, {"kept": 0, "broken": 0, "open": 0})[status] = count

    def rated(counts: dict[str, int]) -> dict:
        return counts | {"rate": playbook.keeping_rate(counts["kept"], counts["broken"])}

    total = {s: sum(c[s] for c in per.values()) for s in ("kept", "broken", "open")}
    return {"promises": rated(total),
            "promise_agents": {maker: rated(c) for maker, c in per.items() if maker is not None}}

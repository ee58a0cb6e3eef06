"""Standard answers (标准回答) and macros: zh/en texts with {variables}, grouped by category, previewed with a
ticket's data, counted when used; a macro also changes the ticket's status, category and tags.

An answer's texts are written to buyers, so they pass the outgoing-text guard when saved and again when sent."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core import clock
from ...core.errors import InvalidInput, NotFound
from ...core.outgoing import check_outgoing
from ...staff.service import Actor, audit
from .. import playbook
from ..records import DeskAnswer, Promise
from . import sla
from .tickets import CATEGORIES, STATUSES, TRANSITIONS, add_message, set_category

LOCALES = ("zh", "en")


def answers(session: Session, shop_id: int, *, active_only: bool = False) -> list[DeskAnswer]:
    """The shop's answers, by category then title."""
    query = select(DeskAnswer).where(DeskAnswer.shop_id == shop_id)
    if active_only:
        query = query.where(DeskAnswer.is_active.is_(True))
    rows = list(session.scalars(query))
    return sorted(rows, key=lambda a: (a.category or "~", a.title))


def grouped(rows: list[DeskAnswer]) -> list[tuple[str | None, list[DeskAnswer]]]:
    """Answers grouped by category (in the desk's category order; uncategorised last)."""
    order = {c: i for i, c in enumerate(CATEGORIES)}
    groups: dict[str | None, list[DeskAnswer]] = {}
    for row in rows:
        groups.setdefault(row.category, []).append(row)
    return sorted(groups.items(), key=lambda item: order.get(item[0], len(order)))


def get_answer(session: Session, answer_id: int, *, shop_id: int) -> DeskAnswer:
    row = session.get(DeskAnswer, answer_id)
    if row is None or row.shop_id != shop_id:
        raise NotFound("answer_not_found", f"answer: no standard answer {answer_id} in this shop", field="answer")
    return row


def _body(text: str | None, field: str) -> str:
    body = (text or "").strip()
    if len(body) > 5000:
        raise InvalidInput("too_long", f"{field}: at most 5000 characters", field=field, values={"limit": 5000})
    unknown = playbook.unknown_variables(body)
    if unknown:
        raise InvalidInput("unknown_variable", f"{field}: {{{unknown[0]}}} is not a variable; use one of "
                           f"{', '.join('{' + v + '}' for v in playbook.VARIABLES)}", field=field,
                           values={"name": unknown[0]})
    if body:
        check_outgoing(body, field)
    return body


def save_answer(session: Session, shop, *, title: str, body_zh: str, body_en: str, actor: Actor,
                category: str | None = None, set_status: str | None = None, set_category_to: str | None = None,
                add_tags: list[str] | None = None, answer_id: int | None = None,
                is_active: bool = True) -> DeskAnswer:
    """Create or change an answer (a macro when it also sets status, category or tags); audited."""
    actor.require("desk:settings")
    name = (title or "").strip()
    if not name:
        raise InvalidInput("required", "title: this field is required", field="title")
    if len(name) > 120:
        raise InvalidInput("too_long", "title: at most 120 characters", field="title", values={"limit": 120})
    zh, en = _body(body_zh, "body_zh"), _body(body_en, "body_en")
    if not zh and not en:
        raise InvalidInput("required", "body_zh: write the answer in at least one language", field="body_zh")
    category = sla.check_choice(category, CATEGORIES, "category", optional=True)
    status = sla.check_choice(set_status, STATUSES, "set_status", optional=True)
    if status == "resolved":
        raise InvalidInput("macro_cannot_resolve", "set_status: resolving needs a root cause; a macro cannot "
                           "resolve", field="set_status")
    moved = sla.check_choice(set_category_to, CATEGORIES, "set_category", optional=True)
    tags = sorted({t.strip()[:40] for t in add_tags or () if t and t.strip()})
    clash = session.scalar(select(DeskAnswer).where(DeskAnswer.shop_id == shop.id, DeskAnswer.title == name))
    if answer_id is None:
        if clash is not None:
            raise InvalidInput("answer_title_taken", f"title: an answer named '{name}' exists", field="title")
        row = DeskAnswer(shop_id=shop.id, uses=0)
        session.add(row)
    else:
        row = get_answer(session, answer_id, shop_id=shop.id)
        if clash is not None and clash.id != row.id:
            raise InvalidInput("answer_title_taken", f"title: an answer named '{name}' exists", field="title")
    row.title, row.category, row.body_zh, row.body_en = name, category, zh, en
    row.set_status, row.set_category, row.add_tags, row.is_active = status, moved, tags, bool(is_active)
    row.updated_by, row.updated_at = actor.label, clock.now()
    session.flush()
    audit(session, actor, "desk.answer_saved", "desk_answer", row.id,
          {"title": name, "category": category, "macro": bool(status or moved or tags)})
    return row


def ticket_values(session: Session, ticket, *, agent_name: str | None = None, locale: str = "zh") -> dict:
    """The values of the answer variables for a ticket: the buyer, order, shipment, loyalty tier and points, the
    earliest open promise's date (in the shop's timezone)."""
    from ...customers import service as customers
    from ...orders import service as orders
    from .sla import ticket_shop

    shop = ticket_shop(session, ticket)
    values: dict[str, object] = {"ticket_no": ticket.id, "shop_name": shop.name, "agent_name": agent_name}
    if ticket.customer_id:
        customer = customers.get_customer(session, ticket.customer_id)
        values["buyer_name"] = customer.name or customer.nickname
        values |= _loyalty_values(session, shop.id, customer.id, locale)
    if ticket.order_id:
        order = orders.get_order(session, ticket.order_id)
        values["order_no"] = order.external_id
        shipment = next((s for s in order.shipments if s.id == ticket.shipment_id), None) or \
            (order.shipments[-1] if order.shipments else None)
        if shipment is not None:
            values["tracking_no"], values["carrier"] = shipment.tracking_no, shipment.carrier
    promise = session.scalar(select(Promise).where(Promise.ticket_id == ticket.id, Promise.status == "open")
                             .order_by(Promise.due_at).limit(1))
    if promise is not None:
        values["promised_date"] = clock.as_utc(promise.due_at).astimezone(ZoneInfo(shop.timezone)).date().isoformat()
    return values


def _loyalty_values(session: Session, shop_id: int, customer_id: int, locale: str) -> dict:
    from ...loyalty import service as loyalty

    program = loyalty.active(session, shop_id)
    account = loyalty.find_account(session, program.program.id, customer_id) if program else None
    if account is None:
        return {}
    tier = program.config.tier(account.tier_code)
    name = (tier.name_en if locale == "en" else tier.name_zh) if tier else None
    return {"tier": name, "points": account.balance}


def preview(session: Session, ticket, answer: DeskAnswer, *, locale: str, agent_name: str | None = None
            ) -> tuple[str, list[str]]:
    """The answer in `locale` (the other language when that one is empty) filled with the ticket's data, and the
    variables left without a value."""
    template = (answer.body_en or answer.body_zh) if locale == "en" else (answer.body_zh or answer.body_en)
    return playbook.fill(template, ticket_values(session, ticket, agent_name=agent_name, locale=locale))


def apply_answer(session: Session, ticket, answer_id: int, *, body: str | None = None, locale: str = "zh",
                 actor: Actor, now: datetime | None = None):
    """Send the answer as a public reply (the agent's edited text when given), count its use, and carry out a
    macro's changes; a {variable} left unfilled is refused, naming it."""
    actor.require("desk:write")
    now = now or clock.now()
    answer = get_answer(session, answer_id, shop_id=ticket.shop_id)
    if body is None or not body.strip():
        body, _ = preview(session, ticket, answer, locale=locale, agent_name=actor.label)
    left = playbook.variables_in(body)
    if left:
        raise InvalidInput("answer_variable_missing", f"body: fill in {{{left[0]}}} before sending", field="body",
                           values={"name": left[0]})
    check_outgoing(body, "body")
    message = add_message(session, ticket, "reply", body, actor=actor, now=now)
    if answer.set_category:
        set_category(session, ticket, answer.set_category, actor=actor, now=now)
    if answer.add_tags:
        ticket.tags = sorted(set(ticket.tags or ()) | set(answer.add_tags))
    if answer.set_status and answer.set_status != ticket.status and \
            answer.set_status in TRANSITIONS.get(ticket.status, ()):
        from .tickets import transition

        transition(session, ticket, answer.set_status, actor=actor, now=now)
    answer.uses, answer.last_used_at = (answer.uses or 0) + 1, now
    session.flush()
    audit(session, actor, "desk.answer_used", "ticket", ticket.id, {"answer_id": answer.id, "title": answer.title})
    return message

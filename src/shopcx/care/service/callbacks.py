"""VIP callbacks (回访): a VIP manager per top-tier customer, rules that create call tasks, a script per task type,
the outcome of each call and the agent's list of what is due today."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from ...core import clock, events, i18n
from ...core.errors import Conflict, InvalidInput, NotFound
from ...desk.service import promises
from ...loyalty.service import active
from ...shops import service as shops
from ...staff.rules import can
from ...staff.service import Actor, audit, get_user, list_users
from ..models import callbacks as rules
from ..repository import calls, occasions
from ..tables import CallTask, VipManager

LARGE_ORDER_AMOUNT = 100_000  # ¥1,000 by default; a shop passes its own
REVIEW_DAYS_BEFORE = 14
PROMISE_DAYS = 7  # a promise said without a date still gets the register's reminder and its deadline
PROMISE_ORIGIN = "care_call_task"


def assign_manager(session: Session, shop, customer_id: int, user_id: int, *, actor: Actor) -> VipManager:
    """Make an agent the customer's VIP manager (replacing any other); their open tasks move to the new manager."""
    actor.require("callbacks:work")
    user = get_user(session, user_id)  # NotFound for an unknown user
    if not user.is_active or not can(user.role, "callbacks:work"):
        raise InvalidInput("vip_manager_not_agent", f"user_id: {user.username} does not work callbacks",
                           field="user_id", values={"name": user.display_name})
    manager = calls.manager_of(session, shop.id, customer_id)
    if manager is None:
        manager = VipManager(shop_id=shop.id, customer_id=customer_id, user_id=user_id, assigned_at=clock.now())
        session.add(manager)
    manager.user_id, manager.assigned_at = user_id, clock.now()
    for task, _ in calls.tasks(session, shop.id, due_by=None, assignee_id=None, status="open", offset=0,
                               limit=1000, customer_id=customer_id)[0]:
        task.assignee_id = user_id
    session.flush()
    audit(session, actor, "care.vip_manager", "customer", customer_id, {"user_id": user_id})
    return manager


def _create(session: Session, shop, kind: str, customer_id: int, ref: str, due_on: date, owners: dict) -> int:
    key = rules.task_key(kind, customer_id, ref)
    if calls.task_by_key(session, shop.id, key) is not None:
        return 0
    now = clock.now()
    with session.begin_nested():
        session.add(CallTask(shop_id=shop.id, customer_id=customer_id, kind=kind, key=key, ref=ref,
                             assignee_id=owners.get(customer_id), due_on=due_on, status="open", attempts=0,
                             created_at=now, updated_at=now))
    return 1


def plan_calls(session: Session, shop, *, today: date | None = None, large_order_amount: int = LARGE_ORDER_AMOUNT,
               review_days_before: int = REVIEW_DAYS_BEFORE, look_back_days: int = 2) -> dict[str, int]:
    """Create the call tasks the rules call for today (idempotent by key); kind → tasks created."""
    today = today or clock.today_in(shop.timezone)
    made = dict.fromkeys(rules.KINDS, 0)
    program = active(session, shop.id)
    top = [program.config.tiers[-1].code] if program and len(program.config.tiers) > 1 else []
    members = occasions.members_in_tiers(session, shop.id, top)
    owners = calls.managers(session, shop.id, [cid for cid, _, _ in members])
    for cid, _, _ in members:
        made["quarterly"] += _create(session, shop, "quarterly", cid, rules.quarterly_key(cid, today).split(":")[-1],
                                     max(today, rules.quarter_start(today)), owners)
    if program:
        review = rules.review_call_due(today, program.config.qualification.review_every_months, review_days_before)
        if review:
            for cid, _, _ in members:
                made["tier_review"] += _create(session, shop, "tier_review", cid, review.isoformat(), today, owners)
    end = clock.now()
    start = end - timedelta(days=look_back_days)
    big = occasions.large_orders_between(session, shop.id, start, end, large_order_amount)
    resolved = occasions.resolved_tickets_between(session, shop.id, start, end)
    owners |= calls.managers(session, shop.id, [r[0] for r in big] + [r[0] for r in resolved])
    for cid, oid, _ in big:
        made["large_order"] += _create(session, shop, "large_order", cid, f"o{oid}", today, owners)
    for cid, tid in resolved:
        made["complaint"] += _create(session, shop, "complaint", cid, f"t{tid}", today + timedelta(days=1), owners)
    session.flush()
    if any(made.values()):
        _changed(session, shop.id)
    return made


def _changed(session: Session, shop_id: int) -> None:
    """`callbacks_changed`: tasks were planned or a call's outcome moved one (the home page's callbacks due,
    dashboard/snapshots.py); one event per planning run, not per task."""
    events.emit(session, "callbacks_changed", "care_call_task", None, shop_id=shop_id)


def get_task(session: Session, task_id: int) -> CallTask:
    """One call task or NotFound."""
    task = session.get(CallTask, task_id)
    if task is None:
        raise NotFound("call_task_not_found", f"task: there is no call task {task_id}", field="task")
    return task


def script(task: CallTask, *, name: str, shop_name: str, locale: str) -> str:
    """The call script of the task's type, with the customer's name and the shop."""
    return i18n.t(f"care.script.{task.kind}", locale, name=name, shop=shop_name)


def record_outcome(session: Session, task: CallTask, outcome: str, *, actor: Actor, notes: str | None = None,
                   sentiment: str | None = None, promise: str | None = None, call_back_on: date | None = None,
                   promise_due: date | None = None, today: date | None = None) -> CallTask:
    """Store a call's outcome: reached closes the task, no answer retries tomorrow, call back later on the day.
    A promise made during the call goes into the desk's promise register (due at the end of `promise_due`, by
    default PROMISE_DAYS from today, in the shop's timezone), linked to the task and the task to it; a task's
    promise still open is restated, not registered twice. A task no longer open takes no outcome."""
    actor.require("callbacks:work")
    if task.status != "open":
        raise Conflict("call_task_closed", f"task: call task {task.id} is already {task.status}", field="task")
    if sentiment and sentiment not in rules.SENTIMENTS:
        raise InvalidInput("invalid_choice", f"sentiment: '{sentiment}' is not one of {', '.join(rules.SENTIMENTS)}",
                           field="sentiment", values={"value": sentiment, "choices": ", ".join(rules.SENTIMENTS)})
    tz = shops.get_shop_by_id(session, task.shop_id).timezone
    today = today or clock.today_in(tz)  # the shop's day, as plan_calls counts it (01:00 in Shanghai is 17:00 UTC)
    if promise_due is not None and promise_due < today:
        raise InvalidInput("promise_due_past", f"promise_due: {promise_due} has passed", field="promise_due")
    result = rules.apply_outcome(outcome, today, task.attempts, call_back_on=call_back_on)
    task.status, task.due_on, task.attempts = result.status, result.due_on, result.attempts
    task.outcome, task.sentiment = outcome, sentiment or task.sentiment
    if notes and notes.strip():
        stamp = clock.now().strftime("%Y-%m-%d %H:%M")
        task.notes = ((task.notes + "\n") if task.notes else "") + f"[{stamp} {actor.label}] {notes.strip()}"
    if promise and promise.strip():
        task.promise = promise.strip()
        _register_promise(session, task, task.promise, promise_due or today + timedelta(days=PROMISE_DAYS), tz,
                          actor)
    if task.assignee_id is None and actor.user_id:
        task.assignee_id = actor.user_id
    task.updated_at, task.updated_by = clock.now(), actor.label
    session.flush()
    _changed(session, task.shop_id)
    audit(session, actor, "care.callback_outcome", "care_call_task", task.id,
          {"outcome": outcome, "status": task.status})
    return task


def _register_promise(session: Session, task: CallTask, what: str, due_on: date, tz: str, actor: Actor) -> None:
    due_at = clock.to_utc(datetime.combine(due_on, time(23, 59)), tz)
    if task.promise_id is not None and promises.get_promise(session, task.promise_id).status == "open":
        promises.revise_promise(session, task.promise_id, what=what, due_at=due_at, actor=actor)
        return
    row = promises.register_promise(session, shop_id=task.shop_id, customer_id=task.customer_id, what=what,
                                    due_at=due_at, origin=PROMISE_ORIGIN, origin_id=task.id, actor=actor,
                                    order_id=int(task.ref[1:]) if task.ref and task.ref[:1] == "o"
                                    and task.ref[1:].isdecimal() else None)
    task.promise_id = row.id


def close_promise(session: Session, task: CallTask, *, kept: bool, evidence: str, actor: Actor):
    """Mark the task's promise kept or broken in the register (a broken one escalates there)."""
    actor.require("callbacks:work")
    if task.promise_id is None:
        raise NotFound("promise_not_found", f"promise: call task {task.id} has no promise", field="promise")
    return promises.close_promise(session, task.promise_id, kept=kept, evidence=evidence, actor=actor)


WHOSE = ("mine", "unassigned", "all")


def due_list(session: Session, *, shop_id: int | None, today: date, user_id: int | None, whose: str = "all",
             offset: int = 0, limit: int = 50) -> tuple[list[tuple[CallTask, str | None]], int]:
    """Open tasks due by today: `whose` "mine" (assigned to user_id, which a VIP manager's customers' tasks are),
    "unassigned" (nobody's yet: recording a call takes it) or "all"."""
    if whose not in WHOSE:
        raise InvalidInput("invalid_choice", f"whose: '{whose}' is not one of {', '.join(WHOSE)}", field="whose",
                           values={"value": whose, "choices": ", ".join(WHOSE)})
    return calls.tasks(session, shop_id, due_by=today, assignee_id=user_id if whose == "mine" else None,
                       unassigned=whose == "unassigned", status="open", offset=offset, limit=limit)


def done_by_agent(session: Session, shop_id: int, since: datetime) -> dict[int, int]:
    """Per staff member, the shop's call tasks they closed since `since` (coaching: callbacks done)."""
    return calls.done_by_assignee(session, shop_id, since)


def agents(session: Session) -> list:
    """The staff who may own callbacks (a VIP manager is one of them), by name."""
    found = [u for u in list_users(session) if u.is_active and can(u.role, "callbacks:work")]
    return sorted(found, key=lambda u: (u.display_name or u.username))


def vip_standing(session: Session, customer_id: int) -> list[dict]:
    """Per shop where the customer is in the top tier or has a VIP manager: the shop, their tier and manager."""
    tiers, managed = calls.tiers_of(session, customer_id), calls.managed_shops(session, customer_id)
    out = []
    for shop in shops.list_shops(session):
        program = active(session, shop.id)
        top = program.config.tiers[-1].code if program and len(program.config.tiers) > 1 else None
        if shop.id in managed or (top is not None and tiers.get(shop.id) == top):
            out.append({"shop": shop, "tier": tiers.get(shop.id), "manager_id": managed.get(shop.id)})
    return out


def task_view(session: Session, task: CallTask, *, now: datetime | None = None) -> dict:
    """A task with its customer and their recent orders, for the task page."""
    from ..repository import customers_by_id

    customer = customers_by_id(session, [task.customer_id]).get(task.customer_id)
    return {"task": task, "customer": customer, "orders": calls.recent_orders(session, task.shop_id,
                                                                              task.customer_id),
            "manager": calls.manager_of(session, task.shop_id, task.customer_id),
            "promise": promises.get_promise(session, task.promise_id) if task.promise_id else None}

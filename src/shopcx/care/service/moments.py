"""Care moments: each shop switches them on and tunes them; the daily run finds who is due today (in the shop's
timezone), draws each person's group with the moment's seed and queues them once per occasion and year.

Queuing is idempotent on (moment, occasion, customer): the job may run every hour, or again after a crash, and
nobody is queued twice for the same birthday, holiday or order.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from lunardate import LunarDate
from sqlalchemy.orm import Session

from ...core import clock, stats
from ...core.errors import InvalidInput, NotFound
from ...insights import service as insights
from ...loyalty.service import active
from ...loyalty.service.reports import member_card, next_review_on
from ...staff.service import Actor, audit
from .. import repository
from ..models import moments as rules
from ..models.audience import CHANNELS, Audience
from ..repository import occasions
from ..tables import CareMoment
from .base import check_share
from .templates import get_template


def ensure_moments(session: Session, shop) -> list[CareMoment]:
    """The shop's moments, one per kind (new ones switched off with their defaults)."""
    have = {m.kind: m for m in repository.moments(session, shop.id)}
    for kind in rules.KINDS:
        if kind not in have:
            have[kind] = CareMoment(shop_id=shop.id, kind=kind, enabled=False, settings=dict(rules.DEFAULTS[kind]),
                                    channel="email", control_share=0.1, seed=secrets.token_hex(8),
                                    last_run_queued=0, updated_at=clock.now())
            session.add(have[kind])
    session.flush()
    return [have[k] for k in rules.KINDS]


def get_moment(session: Session, shop, kind: str) -> CareMoment:
    """One moment of the shop by kind."""
    if kind not in rules.KINDS:
        raise NotFound("moment_unknown", f"moment: there is no care moment '{kind}'", field="kind")
    return next(m for m in ensure_moments(session, shop) if m.kind == kind)


def configure(session: Session, shop, kind: str, *, actor: Actor, enabled: bool | None = None,
              settings: dict | None = None, template_id: int | None = None, channel: str | None = None,
              control_share=None) -> CareMoment:
    """Switch a moment on or off and tune it."""
    actor.require("care:write")
    moment = get_moment(session, shop, kind)
    if settings is not None:
        moment.settings = rules.check_settings(kind, {**(moment.settings or {}), **settings})
    if template_id is not None:
        template = get_template(session, int(template_id))
        if template.shop_id != shop.id:
            raise NotFound("care_template_not_found", f"template: there is no template {template_id}",
                           field="template")
        moment.template_id = template.id
    if channel is not None:
        if channel not in CHANNELS:
            raise InvalidInput("invalid_choice", f"channel: '{channel}' is not one of {', '.join(CHANNELS)}",
                               field="channel", values={"value": channel, "choices": ", ".join(CHANNELS)})
        moment.channel = channel
    if control_share is not None:
        moment.control_share = check_share(control_share)
    if enabled is not None:
        moment.enabled = bool(enabled)
    moment.updated_at = clock.now()
    session.flush()
    audit(session, actor, "care.moment", "care_moment", moment.id, {"kind": kind, "enabled": moment.enabled})
    return moment


def _lunar_pairs(target: date) -> list[tuple[int, int]]:
    """The lunar (month, day) birthdays that may fall on target (day 30 on a short month's 29th)."""
    lunar = LunarDate.from_solar_date(target.year, target.month, target.day)
    pairs = [(lunar.month, lunar.day)]
    following = target + timedelta(days=1)
    if lunar.day == 29 and LunarDate.from_solar_date(following.year, following.month, following.day).day == 1:
        pairs.append((lunar.month, 30))
    return pairs


def _birthday_gift(session, program, customer_id: int) -> int:
    """The birthday points loyalty credits on the day (program + the member's tier), for the message to mention."""
    from ...loyalty.service import find_account

    if program is None:
        return 0
    account = find_account(session, program.program.id, customer_id)
    tier = program.config.tier(account.tier_code) if account else None
    return program.config.earning.birthday_points + (tier.birthday_points if tier else 0)


def _birthday(session, shop, moment, today) -> list[tuple[int, str, dict]]:
    days = moment.settings.get("days_before", 3)
    target = today + timedelta(days=days)
    program = active(session, shop.id)
    found = []
    for cid, solar, month, day, leap in occasions.birthday_candidates(session, shop.id, target, _lunar_pairs(target)):
        due = rules.birthday_due(today, days, solar=solar, lunar_month=month, lunar_day=day, leap=bool(leap))
        if due:
            gift = _birthday_gift(session, program, cid)
            found.append((cid, rules.occasion_key("birthday", due[1]),
                          {"occasion_date": due[0].isoformat(), "offer": str(gift) if gift else ""}))
    return found


def _anniversary(session, shop, moment, today):
    days = moment.settings.get("days_before", 0)
    found = []
    for cid, aid, kind, on in occasions.anniversary_candidates(session, shop.id, today + timedelta(days=days)):
        due = rules.anniversary_due(today, days, on)
        if due:
            found.append((cid, rules.occasion_key("anniversary", due[1], f"{kind}{aid}"),
                          {"occasion_date": due[0].isoformat()}))
    return found


def _first_order(session, shop, moment, today):
    days = moment.settings.get("days_before", 0)
    target = today + timedelta(days=days)
    found = []
    for cid, first in occasions.first_orders_near(session, shop.id, target):
        if rules.anniversary_due(today, days, _local_date(first, shop.timezone)):
            found.append((cid, rules.occasion_key("first_order", target.year), {"occasion_date": target.isoformat()}))
    return found


def _local_date(moment: datetime, tz: str) -> date:
    from zoneinfo import ZoneInfo

    return clock.as_utc(moment).astimezone(ZoneInfo(tz)).date()


def _holiday(session, shop, moment, today):
    settings = moment.settings
    due = rules.holidays_due(today, settings.get("days_before", 3), settings.get("holidays", []),
                             settings.get("shop_anniversary", ""))
    if not due:
        return []
    tiers: tuple[str, ...] = ()
    if settings.get("top_tiers_only"):
        program = active(session, shop.id)
        tiers = (program.config.tiers[-1].code,) if program else ()
    ids = repository.audience_ids(session, shop.id, None, Audience(tiers=tiers, channel=moment.channel,
                                                                   consent=False))
    day = (today + timedelta(days=settings.get("days_before", 3))).isoformat()
    return [(cid, rules.occasion_key("holiday", today.year, h), {"occasion_date": day}) for h in due for cid in ids]


def _latest_run(session, shop):
    return insights.latest_run(session, shop.code) or insights.latest_run(session)


def _quarter(today: date) -> str:
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


def _thank_you(session, shop, moment, today):
    run = _latest_run(session, shop)
    if run is None:
        return []
    rows, _ = insights.key_customers(session, run, limit=moment.settings.get("top", 50))
    return [(r["customer_id"], f"thank_you:{_quarter(today)}", {}) for r in rows]


def _win_back(session, shop, moment, today):
    run = _latest_run(session, shop)
    if run is None:
        return []
    below = moment.settings.get("p_alive_below", 0.3)
    rows, _ = insights.at_risk(session, run, limit=500)
    picked = [r for r in rows if r["p_alive"] < below][:moment.settings.get("top", 200)]  # by value at stake
    return [(r["customer_id"], f"win_back:{_quarter(today)}", {"value_at_stake": r["value_at_stake_amount"]})
            for r in picked]


def _day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    from ...loyalty.service.members.tiers import local_midnight

    return local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)


def _post_delivery(session, shop, moment, today):
    start, end = _day_bounds(today - timedelta(days=moment.settings.get("days_after", 3)), shop.timezone)
    return [(cid, rules.occasion_key("post_delivery", today.year, f"o{oid}"), {"order_id": oid})
            for cid, oid in occasions.delivered_between(session, shop.id, start, end)]


def _points_expiry(session, shop, moment, today):
    day = today + timedelta(days=moment.settings.get("days_before", 14))
    return [(cid, rules.occasion_key("points_expiry", day.year, day.isoformat()), {"expiring_points": pts})
            for cid, pts in occasions.expiring_on(session, shop.id, day, moment.settings.get("min_points", 100))]


def _tier_upgrade(session, shop, moment, today):
    program = active(session, shop.id)
    if program is None:
        return []
    rank = {t.code: i for i, t in enumerate(program.config.tiers)}
    start, _ = _day_bounds(today - timedelta(days=moment.settings.get("days_after", 1)), shop.timezone)
    _, end = _day_bounds(today, shop.timezone)
    return [(cid, rules.occasion_key("tier_upgrade", today.year, to), {"tier": to})
            for cid, old, to, _ in occasions.tier_changes_between(session, shop.id, start, end)
            if to in rank and rank[to] > rank.get(old, -1) and rank[to] > 0]


def _keep_tier(session, shop, moment, today):
    program = active(session, shop.id)
    if program is None:
        return []
    review = next_review_on(program.config, today)
    if (review - today).days != moment.settings.get("days_before", 30):
        return []
    upper = [t.code for t in program.config.tiers[1:]]
    found = []
    from ...loyalty.service import get_account

    for cid, account_id, _ in occasions.members_in_tiers(session, shop.id, upper):
        card = member_card(session, program, get_account(session, account_id), today=today)
        gap = card["progress"]
        if gap["spend_to_keep_amount"] or gap["orders_to_keep"]:
            found.append((cid, rules.occasion_key("keep_tier", review.year, review.isoformat()),
                          {"spend_to_keep": gap["spend_to_keep_amount"], "orders_to_keep": gap["orders_to_keep"]}))
    return found


FINDERS = {"birthday": _birthday, "anniversary": _anniversary, "first_order": _first_order, "holiday": _holiday,
           "thank_you": _thank_you, "win_back": _win_back, "post_delivery": _post_delivery,
           "points_expiry": _points_expiry, "tier_upgrade": _tier_upgrade, "keep_tier": _keep_tier}


def due_today(session: Session, shop, moment: CareMoment, today: date) -> list[tuple[int, str, dict]]:
    """(customer id, occasion, detail) of everyone the moment concerns today who consented to its channel."""
    found = FINDERS[moment.kind](session, shop, moment, today)
    allowed = occasions.consenting(session, sorted({cid for cid, _, _ in found}), moment.channel)
    return [row for row in found if row[0] in allowed]


def run_moment(session: Session, shop, moment: CareMoment, today: date, now: datetime) -> int:
    """Queue today's people of one moment (treatment to send, control to hold out); returns how many are new."""
    rows = []
    for cid, occasion, detail in due_today(session, shop, moment, today):
        bucket = stats.control_bucket(f"{cid}:{occasion}", moment.seed)
        control = bucket < moment.control_share
        rows.append({"shop_id": shop.id, "source": "moment", "source_id": moment.id, "occasion": occasion,
                     "customer_id": cid, "grp": "control" if control else "treatment", "bucket": bucket,
                     "status": "control" if control else "queued", "channel": moment.channel, "points": 0,
                     "detail": {"values": {k: v for k, v in detail.items() if k in ("occasion_date", "offer") and v},
                                **detail},
                     "queued_at": now, "send_after": now})
    queued = 0
    for start in range(0, len(rows), 2000):
        queued += repository.insert_recipients(session, rows[start:start + 2000])
    moment.last_run_on, moment.last_run_queued = today, queued
    session.flush()
    return queued


def run_moments(session: Session, shop, *, today: date | None = None, now: datetime | None = None) -> dict[str, int]:
    """Every switched-on moment of the shop for its local today; kind → people newly queued."""
    today = today or clock.today_in(shop.timezone)
    now = now or clock.now()
    return {m.kind: run_moment(session, shop, m, today, now) for m in ensure_moments(session, shop) if m.enabled}


def moment_results(session: Session, moment: CareMoment, *, window_days: int = 14) -> dict | None:
    """A moment's uplift over everyone it ever queued, each measured from their own queue time."""
    from .campaigns import uplift_report

    return uplift_report(session, "moment", moment.id, window_days=window_days, cost_minor=0,
                         seed=int(moment.seed[:8], 16), resamples=1000)

"""Generated reviews: who rates which completed order, when, with how many stars, DSR ratings and what text.

Taobao-like: a buyer may rate an order within 15 days of its completion (most do it within a few days); a
share never does and the platform gives a 系统默认好评 without text or DSR at the deadline; the rest are 5
stars mostly, with 中评/差评 a few percent. The operations drive the unhappy ones: a late parcel lowers the
物流服务 rating and makes a logistics 中/差评 more likely, a damaged parcel gives packaging complaints, an order
with a refund leans negative about the refund's reason. A few 4–5 star reviews complain in their text (hidden
dissatisfaction), a few buyers add a 追评, some 差评 are revised to 好评 after the shop contacted the buyer,
and the seller replies to most 中/差评 and some 好评. Everything is drawn from the given generator.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from . import review_words as words
from .records import BuyerReview, Order, Person, Revision, Window

RATING_DAYS = 15  # the platform's rating window after completion (reviews.rules.PlatformWindows)
REVISION_DAYS = 30  # and the window in which a 中/差评 may be revised
RATES = {"active": 0.75, "default": 0.085}  # of completed orders: rated by the buyer / by the platform
TEXT_SHARE = 0.85  # active 好评 that have text
FOLLOWUP_SHARE = 0.06
REPLY_SHARE = {"bad": 0.9, "neutral": 0.8, "hidden": 0.35, "good": 0.1}
REVISED_SHARE = {"bad": 0.3, "neutral": 0.15}
REFUND_DRIVER = {"质量问题": "quality", "尺码不合适": "size", "与描述不符": "description", "物流太慢": "logistics",
                 "商品破损": "packaging"}
# Extra chance of a 差评 and of a 中评 when the order had this trouble.
TROUBLE = {"quality": (0.30, 0.15), "description": (0.15, 0.20), "size": (0.03, 0.12),
           "logistics": (0.05, 0.06), "packaging": (0.25, 0.12)}
BASE = (0.008, 0.012)  # 差评, 中评 without any trouble
# What a complaint is about when nothing went wrong that the shop can see.
BACKGROUND = (("quality", 0.4), ("description", 0.2), ("service", 0.15), ("price", 0.15), ("logistics", 0.1))
# DSR dimension each complaint driver hurts: 0 描述相符, 1 服务态度, 2 物流服务.
DIMENSION = {"quality": 0, "description": 0, "size": 0, "price": 0, "service": 1, "logistics": 2, "packaging": 2}
# P(5, 4, 3, 2, 1) of a DSR rating by how much the dimension was hurt: not, somewhat, the reason of a 差评.
DSR_P = (np.array([0.88, 0.10, 0.015, 0.003, 0.002]), np.array([0.40, 0.33, 0.16, 0.06, 0.05]),
         np.array([0.06, 0.14, 0.30, 0.22, 0.28]))


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def _review_id(rng: np.random.Generator, used: set[str]) -> str:
    while True:
        value = str(int(rng.integers(1, 10))) + "".join(str(d) for d in rng.integers(0, 10, 15))
        if value not in used:
            used.add(value)
            return value


def _masked(nick: str) -> str:
    """The buyer's name as Taobao shows it on a review (t***9)."""
    return f"{nick[0]}***{nick[-1]}" if len(nick) > 1 else f"{nick}***"


def troubles(order: Order) -> dict[str, float]:
    """driver -> weight of what went wrong with the order that the buyer may complain about."""
    found: dict[str, float] = {}
    shipment = order.shipment
    if shipment is not None and shipment.late:
        found["logistics"] = 1.0
    if shipment is not None and shipment.damaged:
        found["packaging"] = 2.0
    for refund in order.refunds:
        driver = REFUND_DRIVER.get(refund.reason)
        if driver is not None:
            found[driver] = found.get(driver, 0.0) + 2.0
    return found


def _late_days(order: Order) -> int:
    s = order.shipment
    if s is None or not s.late:
        return 0
    return max(1, int((s.delivered_at - s.shipped_at).total_seconds() // 86400) + 1)


def _class_chances(found: dict[str, float], late_days: int) -> tuple[float, float]:
    bad, neutral = BASE
    for driver in found:
        extra_bad, extra_neutral = TROUBLE[driver]
        if driver == "logistics":
            extra_bad += 0.01 * min(late_days, 5)
        bad, neutral = bad + extra_bad, neutral + extra_neutral
    return min(bad, 0.6), min(neutral, 0.3)


def _driver(rng: np.random.Generator, found: dict[str, float], category: str) -> str:
    if found:
        names = sorted(found)
        weights = np.array([found[n] for n in names])
        return names[int(rng.choice(len(names), p=weights / weights.sum()))]
    names = [n for n, _ in BACKGROUND]
    weights = np.array([w for _, w in BACKGROUND])
    driver = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    return "size" if driver == "description" and category == "女装" and rng.random() < 0.5 else driver


def complaint(rng: np.random.Generator, driver: str, category: str, days: int) -> str:
    options = words.COMPLAINTS[driver]
    if isinstance(options, dict):
        options = options[category]
    return _pick(rng, options).format(days=max(days, 3))


def _subject(rng: np.random.Generator, name: str, category: str) -> str:
    return f"这款{name}" if rng.random() < 0.4 else _pick(rng, words.NOUNS[category])


def praise(rng: np.random.Generator, name: str, category: str, found: dict[str, float], stars: int) -> str:
    """One to three clauses of praise, never about what went wrong, and sometimes a closing."""
    parts = [f"{_subject(rng, name, category)}收到了，{_pick(rng, words.QUALITY_PRAISE[category])}"]
    extras = [words.DESCRIPTION_PRAISE, words.SERVICE_PRAISE, words.PRICE_PRAISE]
    if "logistics" not in found:
        extras.append(words.LOGISTICS_PRAISE)
    if "packaging" not in found:
        extras.append(words.PACKAGING_PRAISE)
    for index in rng.permutation(len(extras))[:int(rng.integers(0, 3))]:
        parts.append(_pick(rng, extras[int(index)]))
    if stars == 4 and rng.random() < 0.5:
        parts.append(_pick(rng, words.RESERVATIONS))
    elif rng.random() < 0.6:
        parts.append(_pick(rng, words.CLOSERS))
    return "，".join(parts)


def _dsr(rng: np.random.Generator, stars: int, driver: str | None, late: bool, damaged: bool) -> tuple[int, ...]:
    hurt = [0, 0, 0]
    if late or damaged:
        hurt[2] = 1
    if stars <= 3:
        hurt = [max(h, 1) if stars <= 2 else h for h in hurt]
    if driver is not None:
        dim = DIMENSION[driver]
        hurt[dim] = 2 if stars <= 2 else max(hurt[dim], 1)
    return tuple(5 - int(rng.choice(5, p=DSR_P[h])) for h in hurt)


def _stars(rng: np.random.Generator, found: dict[str, float], late_days: int) -> tuple[int, bool]:
    """Stars and whether a 4–5 star text complains anyway."""
    bad, neutral = _class_chances(found, late_days)
    u = rng.random()
    if u < bad:
        return (1 if rng.random() < 0.6 else 2), False
    if u < bad + neutral:
        return 3, False
    stars = 5 if rng.random() < (0.72 if found else 0.88) else 4
    return stars, bool(rng.random() < (0.25 if found else 0.006))


def _text(rng: np.random.Generator, stars: int, hidden: bool, driver: str | None, name: str, category: str,
          found: dict[str, float], days: int) -> str | None:
    if driver is None:
        return praise(rng, name, category, found, stars) if rng.random() < TEXT_SHARE else None
    said = complaint(rng, driver, category, days)
    if hidden:
        return f"{_pick(rng, words.HIDDEN_OPENERS)}，就是{said}，{_pick(rng, words.HIDDEN_TAILS)}"
    if stars == 3:
        return f"{_pick(rng, words.NEUTRAL_OPENERS)}，{said}"
    lead = f"买的{name}，" if rng.random() < 0.3 else ""
    return f"{lead}{said}，{_pick(rng, words.BAD_TAILS)}"


def _reply(rng: np.random.Generator, review: BuyerReview, window: Window) -> None:
    kind = "hidden" if review.hidden else review.first_class
    if review.text is None or rng.random() >= REPLY_SHARE[kind]:
        return
    hours = rng.gamma(2.0, 3.0) if kind != "good" else rng.gamma(2.0, 12.0)
    at = (review.reviewed_at + timedelta(hours=hours)).replace(microsecond=0)
    if at < window.cutoff:
        review.reply = _pick(rng, words.REPLIES["neutral" if kind == "hidden" else kind])
        review.replied_at = at


def _followup(rng: np.random.Generator, review: BuyerReview, name: str, category: str, window: Window) -> None:
    if review.text is None or review.first_class != "good" or review.hidden or rng.random() >= FOLLOWUP_SHARE:
        return
    at = (review.reviewed_at + timedelta(days=rng.uniform(7, 90))).replace(microsecond=0)
    if at >= window.cutoff:
        return
    if rng.random() < 0.25:
        review.followup, review.about = _pick(rng, words.FOLLOWUP_BAD[category]), "quality"
    else:
        review.followup = _pick(rng, words.FOLLOWUP_GOOD).format(praise=_pick(rng, words.QUALITY_PRAISE[category]))
    review.followup_at = at


def _revision(rng: np.random.Generator, review: BuyerReview, window: Window) -> None:
    share = REVISED_SHARE.get(review.first_class, 0.0)
    if review.about == "price" or rng.random() >= share:
        return
    contact = review.reviewed_at + timedelta(hours=1 + rng.gamma(2.0, 4.0))
    revised = contact + timedelta(days=rng.uniform(0.3, 5.0))
    if revised >= window.cutoff or revised > review.reviewed_at + timedelta(days=REVISION_DAYS):
        return
    review.revision = Revision(contact.replace(microsecond=0), _pick(rng, ("chat", "phone", "wechat")),
                               _pick(rng, words.CONTACT_NOTES), revised.replace(microsecond=0),
                               5 if rng.random() < 0.7 else 4, _pick(rng, words.REVISED_TEXTS))


def review_of(rng: np.random.Generator, index: int, order: Order, person: Person, window: Window,
              used: set[str]) -> BuyerReview | None:
    """The review of one order, or None when nobody rated it (yet)."""
    if order.completed_at is None:
        return None
    u = rng.random()
    if u >= RATES["active"] + RATES["default"]:
        return None
    line = max(order.lines, key=lambda x: (x.total, -x.line_no))
    review = BuyerReview(_review_id(rng, used), index, line.line_no, order.completed_at, _masked(person.nick))
    if u >= RATES["active"]:
        review.is_default = True
        review.reviewed_at = order.completed_at + timedelta(days=RATING_DAYS)
        return review if review.reviewed_at < window.cutoff else None
    delay = min(rng.exponential(2.0), RATING_DAYS - 0.01)
    review.reviewed_at = (order.completed_at + timedelta(days=delay)).replace(microsecond=0)
    if review.reviewed_at >= window.cutoff:
        return None
    found = troubles(order)
    late_days = _late_days(order)
    stars, hidden = _stars(rng, found, late_days)
    driver = _driver(rng, found, line.category) if stars <= 3 or hidden else None
    shipment = order.shipment
    review.stars, review.hidden, review.about = stars, hidden, driver
    review.dsr = _dsr(rng, stars, driver, bool(shipment and shipment.late), bool(shipment and shipment.damaged))
    review.text = _text(rng, stars, hidden, driver, line.name, line.category, found, late_days)
    _reply(rng, review, window)
    _followup(rng, review, line.name, line.category, window)
    if stars <= 3:
        _revision(rng, review, window)
    return review


def make_reviews(rng: np.random.Generator, people: list[Person], orders: list[Order],
                 window: Window) -> list[BuyerReview]:
    """The reviews of the shop's orders, oldest first."""
    used: set[str] = set()
    found = [review_of(rng, i, order, people[order.person], window, used) for i, order in enumerate(orders)]
    reviews = [r for r in found if r is not None]
    reviews.sort(key=lambda r: (r.reviewed_at, r.external_id))
    return reviews


"""Review use cases: record (create or replay) a review, the seller's reply, 追评, revisions, lookups.

A replay of the same review changes nothing and emits nothing. A replay that carries a new class or stars is
a revision the platform reports: it is recorded as history (with the care contact that preceded it), never
written over the old values silently. Services flush; they never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ...core import clock, events
from ...core.errors import Conflict, InvalidInput, NotFound
from ...orders.models import Order
from ...shops.models import Shop
from ...staff.service import Actor, audit
from .. import repository, rules
from ..models import Review, ReviewContact, ReviewFollowup, ReviewRevision
from ..schemas import ReviewIn, RevisionIn, UpsertResult
from . import analysis, care
from .settings import check_platform, guard, settings_for, settings_for_review


class RevisionNotAllowed(Conflict):
    pass


def get_review(session: Session, review_id: int) -> Review:
    review = session.get(Review, review_id)
    if review is None:
        raise NotFound("review_not_found", f"review: no review with id {review_id}", field="review")
    return review


def _class_of(stars: int | None, platform_class: str | None, is_default: bool) -> str:
    if is_default and platform_class is None and stars is None:
        return "good"
    try:
        return rules.classify(stars, platform_class)
    except ValueError as exc:
        raise InvalidInput("invalid_rating", f"stars: {exc}", field="stars") from None


def _unknown_order(shop: Shop, data: ReviewIn) -> InvalidInput:
    return InvalidInput("unknown_order", f"order_external_id: no order '{data.order_external_id}' in shop "
                        f"'{shop.code}'; import the order first", field="order_external_id")


def _find_order(session: Session, shop: Shop, data: ReviewIn, platform: str) -> Order:
    order = repository.order_by_external_id(session, shop.id, data.order_external_id, platform)
    if order is None:
        raise _unknown_order(shop, data)
    return order


def _line_and_product(session: Session, shop: Shop, order: Order, data: ReviewIn) -> tuple[int | None, int | None]:
    if data.line_no is not None:
        line = next((line for line in order.lines if line.line_no == data.line_no), None)
        if line is None:
            raise InvalidInput("unknown_line", f"line_no: order {order.external_id} has no line {data.line_no}",
                               field="line_no")
        return line.id, line.product_id
    if data.sku:
        line = next((line for line in order.lines if line.sku == data.sku), None)
        if line is not None:
            return line.id, line.product_id
        product = repository.product_by_sku(session, shop.id, data.sku)
        if product is None:
            raise InvalidInput("unknown_sku", f"sku: order {order.external_id} has no line with SKU '{data.sku}'",
                               field="sku")
        return None, product.id
    if len(order.lines) == 1:  # a review of a one-line order is about that line
        return order.lines[0].id, order.lines[0].product_id
    return None, None


@dataclass
class Batch:
    """A batch's orders and the stored reviews of those orders fetched in a few queries (not several per review),
    and its texts' analysis in one analyser call. Reviews created in the batch are added, so a repeated id is a
    replay."""

    platform: str
    order_ids: set[str]
    orders: dict[str, Order]
    reviews: dict[str, Review]
    analysis: dict


def prefetch(session: Session, shop: Shop, items: list[ReviewIn]) -> Batch:
    """Load what record_review needs for these reviews (those of the batch's first platform)."""
    platform = ((items[0].platform if items else None) or shop.platform).strip().lower()
    mine = [item for item in items if (item.platform or shop.platform).strip().lower() == platform]
    mine_ids = {id(item) for item in mine}
    order_ids = {item.order_external_id for item in mine}
    orders = repository.orders_by_external_ids(session, shop.id, order_ids, platform)
    reviews = repository.reviews_of_orders(session, shop.id, platform, {o.id for o in orders.values()})
    texts: set[str] = set()
    for item in items:  # only new reviews and changed texts are analysed: a replay costs no analysis
        stored = reviews.get(item.external_id) if id(item) in mine_ids else None
        if stored is None:
            texts.update(t for t in (item.text, item.followup_text) if t)
        elif (item.text and item.text != stored.text) or (item.followup_text and
                                                           item.followup_text != stored.followup_text):
            texts.update(t for t in (item.text, item.followup_text, stored.text, stored.followup_text) if t)
    return Batch(platform=platform, order_ids=order_ids, orders=orders, reviews=reviews,
                 analysis=analysis.analyze_texts(texts))


def record_review(session: Session, shop: Shop, data: ReviewIn, *, actor: Actor, source: str = "api",
                  batch: Batch | None = None) -> UpsertResult:
    """Store a new review (emitting review_received) or bring the stored one up to date; replays change nothing."""
    platform = check_platform(data.platform or shop.platform)
    known = batch is not None and platform == batch.platform
    if known and data.order_external_id in batch.order_ids:
        order = batch.orders.get(data.order_external_id)
        if order is None:
            raise _unknown_order(shop, data)
    else:
        order = _find_order(session, shop, data, platform)
    review = batch.reviews.get(data.external_id) if known else None
    if review is None:  # new, or stored under another order (refused below): one index lookup tells
        review = repository.by_external_id(session, shop.id, platform, data.external_id)
    cache = batch.analysis if batch is not None else None
    if review is None:
        result, review = _create(session, shop, order, platform, data, actor=actor, source=source, cache=cache)
        if known:
            batch.reviews[data.external_id] = review
        return result
    if review.order_id != order.id:
        raise Conflict("review_order_mismatch", f"order_external_id: review {data.external_id} belongs to another "
                       "order", field="order_external_id")
    return _replay(session, shop, review, data, actor=actor, source=source, cache=cache,
                   with_case=batch is None)


def _create(session: Session, shop: Shop, order: Order, platform: str, data: ReviewIn, *, actor: Actor,
            source: str, cache: dict | None) -> tuple[UpsertResult, Review]:
    line_id, product_id = _line_and_product(session, shop, order, data)
    rating_class = _class_of(data.stars, data.rating, data.is_default)
    now = clock.now()
    review = Review(
        shop_id=shop.id, platform=platform, external_id=data.external_id, order_id=order.id, order_line_id=line_id,
        product_id=product_id, customer_id=order.customer_id, stars=data.stars, platform_class=data.rating,
        rating_class=rating_class, first_class=rating_class, is_default=data.is_default,
        dsr_description=data.dsr_description, dsr_service=data.dsr_service, dsr_logistics=data.dsr_logistics,
        text=data.text, image_urls=list(data.image_urls), reviewer_name=data.reviewer_name,
        reviewed_at=data.reviewed_at, reviewed_on=data.reviewed_at.astimezone(ZoneInfo(shop.timezone)).date(),
        reply_text=data.reply_text, replied_at=(data.replied_at or now) if data.reply_text else None,
        followup_text=data.followup_text, followup_at=data.followup_at if data.followup_text else None,
        revision_count=0, aspects=[], hidden_negative=False, created_at=now, updated_at=now)
    if data.followup_text:
        review.followups.append(ReviewFollowup(text=data.followup_text, followed_at=data.followup_at,
                                               recorded_at=now))
    analysis.apply(review, cache)
    session.add(review)
    session.flush()
    events.emit(session, "review_received", "review", review.id, shop_id=shop.id, customer_id=review.customer_id,
                review_id=review.id, order_id=review.order_id, rating_class=rating_class, has_text=bool(review.text),
                is_default=review.is_default)
    opened = care.open_if_needed(session, review)
    if source != "import":
        audit(session, actor, "review.create", "review", review.id,
              {"external_id": data.external_id, "order": order.external_id, "rating_class": rating_class})
    return UpsertResult(review_id=review.id, created=True, changed=True, revised=False, rating_class=rating_class,
                        case_id=opened.id if opened else None), review


def _replay(session: Session, shop: Shop, review: Review, data: ReviewIn, *, actor: Actor, source: str,
            cache: dict | None, with_case: bool = True) -> UpsertResult:
    changes: dict = {}
    reanalyze = False
    # Absent values keep what is stored: a file without a stars column is not a file that removes the stars.
    stars = data.stars if data.stars is not None else review.stars
    platform_class = data.rating if data.rating is not None else (None if data.stars is not None
                                                                  else review.platform_class)
    new_class = _class_of(stars, platform_class, data.is_default and review.is_default)
    text_changed = data.text is not None and data.text != review.text
    if _stale(review, data, new_class, stars):
        new_class, stars, platform_class, text_changed = review.rating_class, review.stars, review.platform_class, False
    revision = None
    if (new_class, stars) != (review.rating_class, review.stars) or text_changed:
        revision = _add_revision(session, review, to_class=new_class, to_stars=stars,
                                 new_text=data.text if text_changed else None,
                                 at=data.revised_at or clock.now(), contact=None, source=source, actor=actor)
        review.platform_class = platform_class
        changes["rating"] = {"from": revision.from_class, "to": new_class}
        reanalyze |= text_changed
    for name in ("dsr_description", "dsr_service", "dsr_logistics", "reviewer_name"):
        value = getattr(data, name)
        if value is not None and value != getattr(review, name):
            changes[name] = {"from": getattr(review, name), "to": value}
            setattr(review, name, value)
    if data.image_urls and list(data.image_urls) != list(review.image_urls or []):
        changes["image_urls"] = len(data.image_urls)
        review.image_urls = list(data.image_urls)
    if data.reply_text and data.reply_text != review.reply_text:
        changes["reply_text"] = {"from": review.reply_text, "to": data.reply_text}
        review.reply_text, review.replied_at = data.reply_text, data.replied_at or clock.now()
    if data.followup_text and data.followup_text != review.followup_text:
        _add_followup(review, data.followup_text, data.followup_at)
        changes["followup_text"] = data.followup_text
        reanalyze = True
    if reanalyze:
        analysis.apply(review, cache)
    elif revision is not None:
        analysis.refresh_hidden(review)
    if not changes:
        return UpsertResult(review_id=review.id, created=False, changed=False, revised=False,
                            rating_class=review.rating_class, case_id=_case_id(session, review) if with_case else None)
    review.updated_at = clock.now()
    session.flush()
    revised = revision is not None and (revision.from_class, revision.from_stars) != (revision.to_class,
                                                                                      revision.to_stars)
    if revised:
        _after_revision(session, review, revision)
    elif reanalyze and with_case:
        care.follow_up_hidden(session, [review])
    if source != "import":
        audit(session, actor, "review.update", "review", review.id, changes)
    return UpsertResult(review_id=review.id, created=False, changed=True, revised=revised,
                        rating_class=review.rating_class, case_id=_case_id(session, review))


def _stale(review: Review, data: ReviewIn, new_class: str, stars: int | None) -> bool:
    """A replay of what the review was before a recorded revision (an old export imported again) is not news."""
    if not review.revisions:
        return False
    latest = max(r.revised_at for r in review.revisions)
    if data.revised_at is not None:
        return data.revised_at <= latest
    earlier = {(r.from_class, r.from_stars) for r in review.revisions}
    earlier_texts = {r.previous_text for r in review.revisions if r.previous_text is not None}
    return (new_class, stars) in earlier or (data.text is not None and data.text in earlier_texts)


def _case_id(session: Session, review: Review) -> int | None:
    found = repository.case_for_review(session, review.id)
    return found.id if found else None


def _add_revision(session: Session, review: Review, *, to_class: str, to_stars: int | None, new_text: str | None,
                  at: datetime, contact: ReviewContact | None, source: str, actor: Actor) -> ReviewRevision:
    if contact is None:
        contact = repository.latest_contact_before(session, review.id, at)
    revision = ReviewRevision(from_class=review.rating_class, to_class=to_class, from_stars=review.stars,
                              to_stars=to_stars, previous_text=review.text if new_text is not None else None,
                              revised_at=at, contact_id=contact.id if contact else None, source=source,
                              recorded_by=actor.label, recorded_at=clock.now())
    review.revisions.append(revision)
    if (to_class, to_stars) != (review.rating_class, review.stars):
        review.revision_count += 1
    review.rating_class, review.stars = to_class, to_stars
    if new_text is not None:
        review.text = new_text
    return revision


def _after_revision(session: Session, review: Review, revision: ReviewRevision) -> None:
    events.emit(session, "review_revised", "review", review.id, shop_id=review.shop_id,
                customer_id=review.customer_id, review_id=review.id, from_class=revision.from_class,
                to_class=revision.to_class)
    care.after_revision(session, review, revision)


def _add_followup(review: Review, text: str, at: datetime | None) -> None:
    at = at or clock.now()
    review.followups.append(ReviewFollowup(text=text, followed_at=at, recorded_at=clock.now()))
    review.followup_text, review.followup_at = text, at


# --- staff actions -------------------------------------------------------------------------------------------


def reply(session: Session, review: Review, text: str, *, actor: Actor) -> Review:
    """Store the seller's public reply after the platform-rule guard; a changed reply is audited with the old."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("invalid_input", "text: the reply is empty", field="text")
    if not settings_for_review(session, review).windows.reply_allowed:
        raise Conflict("reply_not_allowed", f"text: replies are switched off for {review.platform} in this shop's "
                       "review settings", field="text")
    guard(text, "text")
    previous = review.reply_text
    if previous == text:
        return review
    now = clock.now()
    review.reply_text, review.replied_at, review.replied_by_id = text, now, actor.user_id
    review.updated_at = now
    session.flush()
    audit(session, actor, "review.reply", "review", review.id, {"from": previous, "to": text})
    return review


def add_followup(session: Session, review: Review, text: str, followed_at: datetime | None, *,
                 actor: Actor) -> Review:
    """Record a 追评 the platform showed (kept as history) and analyse the text again."""
    text = (text or "").strip()
    at = followed_at or clock.now()
    if at < review.reviewed_at:
        raise InvalidInput("invalid_input", "followed_at: a 追评 cannot come before the review", field="followed_at")
    if text == review.followup_text:
        return review
    _add_followup(review, text, at)
    analysis.apply(review)
    review.updated_at = clock.now()
    session.flush()
    care.follow_up_hidden(session, [review])  # a 5-star review whose 追评 complains
    audit(session, actor, "review.followup", "review", review.id, {"text": text})
    return review


def revise(session: Session, review: Review, data: RevisionIn, *, actor: Actor) -> ReviewRevision:
    """Record that the buyer revised the review, inside the platform's revision window; emits review_revised."""
    repository.lock_review(session, review)
    at = data.revised_at or clock.now()
    stars = data.stars
    if stars is None and review.stars is not None and rules.class_of_stars(review.stars) == data.rating:
        stars = review.stars  # a class-only revision keeps stars that still agree with it
    to_class = _class_of(stars, data.rating, False)
    if (to_class, stars) == (review.rating_class, review.stars):
        raise InvalidInput("no_change", f"rating: the review is already {to_class}"
                           + (f" with {stars} stars" if stars else ""), field="rating")
    if review.is_default:
        raise RevisionNotAllowed("revision_not_allowed", "rating: a default good review (系统默认好评) cannot be "
                                 "revised", field="rating")
    windows = settings_for_review(session, review).windows
    refusal = rules.revision_refusal(review.reviewed_at, at, review.revision_count, windows)
    if refusal:
        raise RevisionNotAllowed("revision_not_allowed", f"revised_at: {refusal}", field="revised_at")
    if at > clock.now():
        raise InvalidInput("invalid_input", "revised_at: lies in the future", field="revised_at")
    contact = None
    if data.contact_id is not None:
        contact = session.get(ReviewContact, data.contact_id)
        if contact is None or contact.review_id != review.id:
            raise InvalidInput("unknown_contact", f"contact_id: no contact {data.contact_id} about this review",
                               field="contact_id")
    text = data.text.strip() if data.text and data.text.strip() and data.text.strip() != review.text else None
    revision = _add_revision(session, review, to_class=to_class, to_stars=stars, new_text=text, at=at,
                             contact=contact, source="staff", actor=actor)
    review.platform_class = data.rating
    if text is not None:
        analysis.apply(review)
    else:
        analysis.refresh_hidden(review)
    review.updated_at = clock.now()
    session.flush()
    _after_revision(session, review, revision)
    audit(session, actor, "review.revise", "review", review.id,
          {"from": revision.from_class, "to": to_class, "from_stars": revision.from_stars, "to_stars": stars,
           "contact_id": revision.contact_id})
    return revision


# --- lookups for other domains -------------------------------------------------------------------------------


def customers_with_text_good_review(session: Session, *, shop_id: int | None = None) -> set[int]:
    """Customers with a 好评 that has text (not a default one): the advocate stage's review signal (DESIGN.md §4).

    The review's current class counts (a 差评 revised to 好评 counts); a 好评 whose text reads negative
    (hidden dissatisfaction) is still a 好评 here, because the platform shows it as one.
    """
    return repository.customers_with_text_good_review(session, shop_id)


def reviews_for_customer(session: Session, customer_id: int, limit: int = 20) -> list[Review]:
    """The customer's latest reviews, newest first (the customer page)."""
    rows, _ = repository.search(session, repository.ReviewFilter(customer_id=customer_id), offset=0,
                                limit=max(1, min(limit, 200)))
    return rows


def search_reviews(session: Session, flt: repository.ReviewFilter, *, offset: int,
                   limit: int) -> tuple[list[Review], int]:
    """One page of reviews, newest first, and the total count."""
    return repository.search(session, flt, offset=offset, limit=limit)


@dataclass(frozen=True)
class Suggestion:
    template_id: int | None
    text: str


def suggest_replies(session: Session, review: Review, shop: Shop, locale: str | None = None) -> list[Suggestion]:
    """Replies for this review in the buyer's language (`rules.reply_locale`, or locale when asked), from the shop's
    templates of its class or the built-in ones, addressing the buyer politely (never by nickname)."""
    locale = locale if locale in ("zh", "en") else rules.reply_locale(review.platform, review.text,
                                                                         review.followup_text)
    product = repository.line_name(session, review) or ("宝贝" if locale == "zh" else "your order")
    stored = repository.templates(session, shop.id, reply_class(review), locale)
    bodies = [(t.id, t.body) for t in stored] or [(None, body) for body in
                                                  rules.DEFAULT_TEMPLATES.get((reply_class(review), locale), ())]
    if bodies:  # start at a different template per review, so a page of replies does not read as a form letter
        start = review.id % len(bodies)
        bodies = bodies[start:] + bodies[:start]
    return [Suggestion(template_id=tid, text=rules.render_template(body, name=rules.buyer_address(body, locale),
                                                                   product=product, shop=shop.name))
            for tid, body in bodies]


def reply_class(review: Review) -> str:
    """The class whose templates answer a review: a 好评 with a complaint in its text is answered as a 中评."""
    return "neutral" if review.hidden_negative and review.rating_class == "good" else review.rating_class


def revision_deadline(session: Session, review: Review) -> datetime | None:
    """Until when a 中/差评 may still be revised (None for a 好评)."""
    if review.first_class == "good" and review.rating_class == "good":
        return None
    return rules.revision_deadline(review.reviewed_at, settings_for_review(session, review).windows)


def rating_deadline(session: Session, shop_id: int, platform: str, completed_at: datetime | None) -> datetime | None:
    """Until when the buyer of an order completed at completed_at may rate it."""
    return rules.rating_deadline(completed_at, settings_for(session, shop_id, platform).windows)

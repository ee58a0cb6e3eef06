"""Review care: the inbox, care cases (差评) and follow-up tasks (中评), contacts, resolution, outcome.

A 中/差评 that arrives while it can still be revised opens a case at once (unassigned, due after the
platform's care hours); staff assign it, log each contact, record the resolution and close it. When the buyer
revises to 好评 an open case closes itself with outcome 'revised'. Every staff change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core import clock
from ...core.errors import Conflict, InvalidInput, NotFound
from ...orders.models import Order
from ...staff.rules import can
from ...staff.service import Actor, audit
from .. import repository, rules
from ..models import Review, ReviewCase, ReviewContact, ReviewRevision
from ..schemas import ContactIn, ResolveIn
from .settings import guard, settings_for, settings_for_review

# A contact logged a little ahead of the server clock (a phone's clock) is fine; one days ahead is a typo.
_CLOCK_SLACK = timedelta(minutes=10)


class CaseClosed(Conflict):
    pass


def get_case(session: Session, case_id: int) -> ReviewCase:
    found = session.get(ReviewCase, case_id)
    if found is None:
        raise NotFound("case_not_found", f"case: no review case with id {case_id}", field="case")
    return found


def case_for_review(session: Session, review: Review) -> ReviewCase | None:
    return repository.case_for_review(session, review.id)


def _kind(review: Review) -> str | None:
    """care for a 差评; a follow-up task for a 中评 and for a 好评 whose text complains (hidden dissatisfaction)."""
    if review.is_default:
        return None
    if review.rating_class == "bad":
        return "care"
    if review.rating_class == "neutral" or (review.rating_class == "good" and review.hidden_negative):
        return "followup"
    return None


_ACTION = {"good": "thank", "neutral": "apologise", "bad": "care"}


def action_for(review: Review) -> str:
    """What the inbox asks staff to do: thank for a 好评, apologise and follow up on a 中评 or on a 好评 whose text
    complains, care for a 差评."""
    return "apologise" if review.hidden_negative and review.rating_class == "good" else _ACTION[review.rating_class]


def _check_owner(session: Session, owner_id: int | None) -> None:
    if owner_id is None:
        return
    user = repository.staff_user(session, owner_id)
    if user is None or not user.is_active:
        raise InvalidInput("unknown_owner", f"owner_id: no active staff member {owner_id}", field="owner_id")
    if not can(user.role, "reviews:write"):
        raise InvalidInput("owner_cannot_answer", f"owner_id: {user.username} ({user.role}) may not answer reviews",
                           field="owner_id")


def _new_case(session: Session, review: Review, kind: str, *, owner_id: int | None,
              due_at: datetime | None) -> ReviewCase:
    windows = settings_for_review(session, review).windows
    now = clock.now()
    order = session.get(Order, review.order_id)
    found = ReviewCase(review_id=review.id, shop_id=review.shop_id, customer_id=review.customer_id, kind=kind,
                       status="open", owner_id=owner_id, driver=(review.aspects or [None])[0], opened_at=now,
                       due_at=due_at or rules.case_due(review.reviewed_at, kind, windows),
                       revision_due_at=rules.revision_deadline(review.reviewed_at, windows),
                       currency=order.currency if order else None, updated_at=now)
    session.add(found)
    session.flush()
    return found


def open_if_needed(session: Session, review: Review) -> ReviewCase | None:
    """Open the case a new 中/差评 (or 好评 with a complaint) needs, if it can still be revised or followed up; old
    reviews are history, not work."""
    kind = _kind(review)
    if kind is None:
        return None
    if repository.case_for_review(session, review.id) is not None:
        return None
    windows = settings_for_review(session, review).windows
    if clock.now() >= rules.revision_deadline(review.reviewed_at, windows):
        return None
    return _new_case(session, review, kind, owner_id=None, due_at=None)


def follow_up_hidden(session: Session, reviews: list[Review]) -> int:
    """Open the follow-up task of each review the text analysis has just flagged as hidden dissatisfaction."""
    return sum(open_if_needed(session, r) is not None for r in reviews if r.hidden_negative)


def open_case(session: Session, review: Review, *, actor: Actor, owner_id: int | None = None,
              due_at: datetime | None = None) -> ReviewCase:
    """Open a care case or follow-up task for a 中/差评 (or a 好评 with negative text) by hand."""
    kind = _kind(review)
    if kind is None:
        raise InvalidInput("case_not_needed", "review: only a 中评, a 差评 or a 好评 whose text is negative needs a "
                           "case", field="review")
    if repository.case_for_review(session, review.id) is not None:
        raise Conflict("case_exists", "review: this review already has a case", field="review")
    _check_owner(session, owner_id)
    found = _new_case(session, review, kind, owner_id=owner_id, due_at=due_at)
    audit(session, actor, "review_case.open", "review_case", found.id,
          {"review_id": review.id, "kind": kind, "owner_id": owner_id, "due_at": found.due_at.isoformat()})
    return found


def _move(found: ReviewCase, target: str) -> None:
    if found.status == "closed":
        raise CaseClosed("case_closed", "case: this case is closed", field="case")
    if not rules.can_transition_case(found.status, target):
        raise Conflict("case_transition", f"status: a case that is {found.status} cannot become {target}",
                       field="status")
    found.status = target
    found.updated_at = clock.now()


def assign(session: Session, found: ReviewCase, owner_id: int | None, *, actor: Actor) -> ReviewCase:
    """Give the case to a staff member who may answer reviews (None unassigns)."""
    if found.status == "closed":
        raise CaseClosed("case_closed", "case: this case is closed", field="case")
    _check_owner(session, owner_id)
    if found.owner_id != owner_id:
        audit(session, actor, "review_case.assign", "review_case", found.id,
              {"from": found.owner_id, "to": owner_id})
        found.owner_id = owner_id
        found.updated_at = clock.now()
        session.flush()
    return found


def log_contact(session: Session, found: ReviewCase, data: ContactIn, *, actor: Actor) -> ReviewContact:
    """Record a contact with the buyer (checked by the platform-rule guard); the first one stops the due clock."""
    if found.status == "closed":
        raise CaseClosed("case_closed", "case: this case is closed", field="case")
    guard(data.note, "note")
    review = session.get(Review, found.review_id)
    now = clock.now()
    at = data.at or now
    if at < review.reviewed_at:
        raise InvalidInput("invalid_input", "at: a contact about a review cannot come before the review", field="at")
    if at > now + _CLOCK_SLACK:
        raise InvalidInput("invalid_input", "at: lies in the future", field="at")
    contact = ReviewContact(case_id=found.id, review_id=found.review_id, at=at, channel=data.channel,
                            result=data.result, note=(data.note or "").strip() or None, staff_id=actor.user_id,
                            actor=actor.label, created_at=now)
    found.contacts.append(contact)
    if found.first_contact_at is None or at < found.first_contact_at:
        found.first_contact_at = at
    if found.status == "open":
        _move(found, "contacted")
    found.updated_at = now
    session.flush()
    audit(session, actor, "review_case.contact", "review_case", found.id,
          {"contact_id": contact.id, "channel": data.channel, "result": data.result})
    return contact


def resolve(session: Session, found: ReviewCase, data: ResolveIn, *, actor: Actor) -> ReviewCase:
    """Record what was done for the buyer; compensation is allowed, a compensation for a revision is not."""
    guard(data.resolution, "resolution")
    _move(found, "resolved")
    now = clock.now()
    found.resolution = data.resolution.strip()
    found.compensation_amount = data.compensation_amount
    found.resolved_at = now
    session.flush()
    audit(session, actor, "review_case.resolve", "review_case", found.id,
          {"resolution": found.resolution, "compensation_amount": data.compensation_amount,
           "currency": found.currency})
    return found


def _improved(review: Review) -> bool:
    return rules.is_improvement(review.first_class, review.rating_class)


def close(session: Session, found: ReviewCase, outcome: str | None, *, actor: Actor) -> ReviewCase:
    """Close the case with its outcome: revised (only if the buyer did), not_revised, unreachable or declined."""
    review = session.get(Review, found.review_id)
    outcome = outcome or ("revised" if _improved(review) else "not_revised")
    if outcome not in rules.CASE_OUTCOMES:
        raise InvalidInput("invalid_input", f"outcome: one of {', '.join(rules.CASE_OUTCOMES)}", field="outcome")
    if outcome == "revised" and not _improved(review):
        raise InvalidInput("not_revised", "outcome: the buyer has not revised this review; record the revision "
                           "first", field="outcome")
    _move(found, "closed")
    found.outcome, found.closed_at = outcome, clock.now()
    session.flush()
    audit(session, actor, "review_case.close", "review_case", found.id, {"outcome": outcome})
    return found


def after_revision(session: Session, review: Review, revision: ReviewRevision) -> None:
    """A revision to 好评 closes the open case as revised; a change for the worse opens one if none exists."""
    found = repository.case_for_review(session, review.id)
    if found is not None:
        if review.rating_class == "good" and rules.is_improvement(revision.from_class, "good") \
                and found.status != "closed":
            found.status, found.outcome = "closed", "revised"
            found.closed_at = found.updated_at = clock.now()
            session.flush()
        return
    if not rules.is_improvement(revision.from_class, revision.to_class):
        open_if_needed(session, review)


def is_overdue(found: ReviewCase | None, now: datetime) -> bool:
    """A case whose first contact is past due (the due clock stops at the first contact)."""
    return found is not None and found.first_contact_at is None and found.status == "open" and found.due_at < now


# --- the inbox -----------------------------------------------------------------------------------------------


@dataclass
class InboxEntry:
    review: Review
    case: ReviewCase | None
    action: str
    revision_due_at: datetime | None
    overdue: bool


def inbox(session: Session, *, shop_id: int | None = None, rating_class: str | None = None,
          owner_id: int | None = None, overdue: bool = False, hidden_negative: bool | None = None,
          offset: int = 0, limit: int = 50) -> tuple[list[InboxEntry], int, dict[str, int]]:
    """Reviews within the revision window that need action, 差评 first; with counts per class and overdue."""
    now = clock.now()
    flt, windows = _inbox_filter(session, now, shop_id=shop_id, rating_class=rating_class, owner_id=owner_id,
                                 overdue=overdue, hidden_negative=hidden_negative)
    rows, total = repository.inbox(session, flt, offset=offset, limit=limit)
    return _entries(rows, windows, now), total, repository.inbox_counts(session, flt, now)


def inbox_head(session: Session, *, shop_id: int | None = None, rating_class: str | None = None,
               limit: int = 50) -> list[InboxEntry]:
    """The inbox's first `limit` entries (its filter and order) without counting the rest: for the home page's
    list, which shows a few and links to the inbox."""
    now = clock.now()
    flt, windows = _inbox_filter(session, now, shop_id=shop_id, rating_class=rating_class)
    return _entries(repository.inbox_rows(session, flt, offset=0, limit=limit), windows, now)


def _inbox_filter(session: Session, now: datetime, *, shop_id: int | None, rating_class: str | None,
                  owner_id: int | None = None, overdue: bool = False,
                  hidden_negative: bool | None = None) -> tuple[repository.InboxFilter, rules.PlatformWindows]:
    if shop_id:
        platform = _shop_platform(session, shop_id)
        windows = settings_for(session, shop_id, platform).windows
    else:
        windows = rules.PlatformWindows()
    since = now - timedelta(days=max(windows.revision_days, 1))
    flt = repository.InboxFilter(shop_id=shop_id, since=since, rating_class=rating_class, owner_id=owner_id,
                                 overdue_at=now if overdue else None, hidden_negative=hidden_negative)
    return flt, windows


def _entries(rows: list[tuple[Review, ReviewCase | None]], windows: rules.PlatformWindows,
             now: datetime) -> list[InboxEntry]:
    entries = []
    for review, found in rows:
        action = action_for(review)
        deadline = found.revision_due_at if found else (
            None if review.rating_class == "good" else rules.revision_deadline(review.reviewed_at, windows))
        entries.append(InboxEntry(review=review, case=found, action=action, revision_due_at=deadline,
                                  overdue=is_overdue(found, now)))
    return entries


def _shop_platform(session: Session, shop_id: int) -> str:
    from ...shops import service as shops

    return shops.get_shop_by_id(session, shop_id).platform


def awaiting_rating(session: Session, shop_id: int, *, offset: int = 0,
                    limit: int = 50) -> tuple[list[tuple[Order, datetime]], int]:
    """Completed orders whose buyer may still rate them (with the deadline), oldest deadline first."""
    platform = _shop_platform(session, shop_id)
    windows = settings_for(session, shop_id, platform).windows
    since = clock.now() - timedelta(days=windows.rating_days)
    rows, total = repository.awaiting_rating(session, shop_id, since, offset=offset, limit=limit)
    return [(order, rules.rating_deadline(order.completed_at, windows)) for order in rows], total


def case_revisions(session: Session, case_ids: list[int]) -> dict[int, list[ReviewRevision]]:
    """Per care case, its review's revisions in order (the desk's recovery report links tickets taken over from
    cases to what the buyer later did with the review)."""
    out: dict[int, list[ReviewRevision]] = {case_id: [] for case_id in case_ids}
    if not case_ids:
        return out
    rows = session.execute(select(ReviewCase.id, ReviewRevision).join(ReviewRevision,
                                                                      ReviewRevision.review_id == ReviewCase.review_id)
                           .where(ReviewCase.id.in_(case_ids)).order_by(ReviewRevision.id))
    for case_id, revision in rows:
        out[case_id].append(revision)
    return out

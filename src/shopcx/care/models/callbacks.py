"""VIP callbacks (回访): which call tasks are due and what an outcome does to a task.

Task kinds (issue 16): the top tier every quarter, after a large order, after a resolved complaint, and before a
tier review. Each task carries a key so a rule that runs twice creates it once: the quarter for quarterly calls, the
order or ticket for the event calls, the review day for tier reviews.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ...core.errors import InvalidInput

KINDS = ("quarterly", "large_order", "complaint", "tier_review")
OUTCOMES = ("reached", "no_answer", "call_back_later")
SENTIMENTS = ("positive", "neutral", "negative")
MAX_ATTEMPTS = 3  # no answer three times: the task closes as unreached rather than nagging the buyer


def quarter_of(day: date) -> tuple[int, int]:
    """(year, quarter 1–4) of a date."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_start(day: date) -> date:
    """The first day of the date's quarter."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def task_key(kind: str, customer_id: int, ref: str) -> str:
    """The idempotency key of a call task: kind, customer and what it is about."""
    if kind not in KINDS:
        raise InvalidInput("invalid_choice", f"kind: '{kind}' is not one of {', '.join(KINDS)}", field="kind",
                           values={"value": kind, "choices": ", ".join(KINDS)})
    return f"{kind}:{customer_id}:{ref}"


def quarterly_key(customer_id: int, today: date) -> str:
    """One quarterly call per top-tier customer and quarter."""
    year, quarter = quarter_of(today)
    return task_key("quarterly", customer_id, f"{year}Q{quarter}")


def next_review_day(today: date, every_months: int) -> date:
    """The next periodic tier review (day 1 of a month m with (m − 1) mod every = 0), after today."""
    if not isinstance(every_months, int) or not 1 <= every_months <= 12:
        raise InvalidInput("out_of_range", f"every_months: '{every_months}' must be 1–12", field="every_months")
    year, month = today.year, today.month
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        if (month - 1) % every_months == 0:
            return date(year, month, 1)


def review_call_due(today: date, every_months: int, days_before: int) -> date | None:
    """The review day when today is within `days_before` days of it (the call goes before the review), else None."""
    review = next_review_day(today, every_months)
    return review if (review - today).days <= days_before else None


@dataclass(frozen=True)
class Outcome:
    """What to do with a task after a call: its new status, next due date and attempts."""

    status: str  # open | done
    due_on: date
    attempts: int


def apply_outcome(outcome: str, today: date, attempts: int, *, call_back_on: date | None = None) -> Outcome:
    """reached → done; no answer → tomorrow, closed after MAX_ATTEMPTS; call back later → on the agreed day."""
    if outcome not in OUTCOMES:
        raise InvalidInput("invalid_choice", f"outcome: '{outcome}' is not one of {', '.join(OUTCOMES)}",
                           field="outcome", values={"value": outcome, "choices": ", ".join(OUTCOMES)})
    tries = attempts + 1
    if outcome == "reached":
        return Outcome("done", today, tries)
    if outcome == "no_answer":
        return Outcome("done" if tries >= MAX_ATTEMPTS else "open", today + timedelta(days=1), tries)
    if call_back_on is None or call_back_on < today:
        raise InvalidInput("call_back_on_required", "call_back_on: give the day the customer asked to be called "
                           "(today or later)", field="call_back_on")
    return Outcome("open", call_back_on, tries)

"""Review use cases, split by use case; the names other domains and the pages call are re-exported here."""

from __future__ import annotations

from .care import (
    assign,
    awaiting_rating,
    case_for_review,
    case_revisions,
    close,
    get_case,
    inbox,
    inbox_head,
    is_overdue,
    log_contact,
    open_case,
    resolve,
)
from .metrics import (
    bad_rate_ranking,
    class_counts,
    class_counts_by,
    dsr_forecast,
    dsr_series,
    dsr_summary,
    good_rate_trend,
    late_vs_rating,
    negatives_by_driver,
    response_times,
    revision_stats,
)
from .reviews import (
    add_followup,
    customers_with_text_good_review,
    get_review,
    prefetch,
    rating_deadline,
    record_review,
    reply,
    reviews_for_customer,
    revise,
    revision_deadline,
    search_reviews,
    suggest_replies,
)
from .settings import add_template, guard, list_templates, retire_template, settings_for, update_settings

__all__ = [
    "add_followup", "add_template", "assign", "awaiting_rating", "bad_rate_ranking", "case_for_review",
    "case_revisions",
    "class_counts", "class_counts_by", "close", "customers_with_text_good_review", "dsr_forecast", "dsr_series",
    "dsr_summary", "get_case", "get_review", "good_rate_trend", "guard", "inbox", "inbox_head", "is_overdue",
    "late_vs_rating",
    "list_templates", "log_contact", "negatives_by_driver", "open_case", "prefetch", "rating_deadline", "record_review",
    "reply", "resolve", "response_times", "retire_template", "reviews_for_customer", "revise", "revision_deadline",
    "revision_stats", "search_reviews", "settings_for", "suggest_replies", "update_settings",
]

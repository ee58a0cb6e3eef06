"""The care use cases: templates, campaigns (audience, control group, results), care moments and the daily job,
sending, recommendations, VIP callbacks and delivery care. Other domains and the faces call the names here."""

from __future__ import annotations

from .base import CareError, shop_of
from .campaigns import count, get_campaign, launch, results, save_campaign
from .recommendations import compute_pairs, recommend_for
from .sending import SkipMessage, send_due
from .templates import get_template, preview, save_template

__all__ = ["CareError", "SkipMessage", "compute_pairs", "count", "get_campaign", "get_template", "launch",
           "preview", "recommend_for", "results", "save_campaign", "save_template", "send_due", "shop_of"]

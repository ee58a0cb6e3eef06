"""The loyalty use cases, grouped by what they are about: `program/` (rule versions, backtest), `members/`
(enrolment, tiers, referrals, member links), `points/` (the ledger, earning from orders, what a refund takes back,
review points, manual adjustments), `spending/` (rewards, redemption and points as payment, coupons, the checkout
quote), `daily` (what happens by the calendar) and `reports`. Other domains call the names re-exported here."""

from __future__ import annotations

from .members.accounts import change_birthday, customers_who_referred, enrol, find_account, get_account
from .points.earning import sync_order, sync_orders
from .points.goodwill import grant_goodwill_points, issue_goodwill_coupon
from .points.ledger import LoyaltyError
from .program.versions import active, create_program, publish_version, save_draft

__all__ = ["LoyaltyError", "active", "change_birthday", "create_program", "customers_who_referred", "enrol",
           "find_account", "get_account", "grant_goodwill_points", "issue_goodwill_coupon",
           "publish_version", "save_draft", "sync_order", "sync_orders"]

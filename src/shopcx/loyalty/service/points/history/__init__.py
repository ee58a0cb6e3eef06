"""Replaying an imported history into the ledger, each entry dated when it happened.

A customer whose orders arrive as history (an import, the demo) and who is not a member yet becomes one as if the
program had run since their first qualifying order: they join at that order's payment, its points are earned then,
become available when its return window closed, are taken back when the refund came (the last refund's time; a void
order without a refund record at its payment), and expire on their own day; tiers are upgraded at payments and
reviewed on the review days in between. Calendar work happens at the shop-local midnight of its day, before that
day's orders. Birthday and referral points are not replayed: the shop never gave them.

Two paths give the same ledger (tests/loyalty/test_history.py compares them on the demo shop):
- `replay_per_order` (`per_order.py`) drives the live use cases (`sync_order`, the daily activation, expiry and
  tier review) with the clock set to each moment: the definition, ~25 statements per order.
- `replay_batched` (`batched.py`) loads the customers' orders in a few queries, runs the same rules in memory
  account by account (`member.py`; accounts are independent), and inserts the rows in bulk with ids it reserves
  (`bulk.py`): the path `loyalty sync` and imports use (bench/loyalty_history_bench.py measures both).
`moments.py` holds what both share: who is replayed and when the rules act.
"""

from __future__ import annotations

from .batched import replay_batched
from .moments import newcomers, qualifying_orders, refund_moment
from .per_order import replay_per_order

__all__ = ["newcomers", "qualifying_orders", "refund_moment", "replay_batched", "replay_per_order"]

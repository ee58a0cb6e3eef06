"""Order status transitions (one table, checked by one method) and pure order arithmetic."""

from __future__ import annotations

STATUSES = ("pending", "paid", "shipped", "delivered", "completed", "cancelled", "refunded")

# Which statuses may follow which. A partial refund keeps the status; a full refund moves to 'refunded'.
TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset(STATUSES),  # an order may be created (or imported) in any state
    "pending": frozenset({"paid", "cancelled"}),
    "paid": frozenset({"shipped", "delivered", "completed", "cancelled", "refunded"}),
    "shipped": frozenset({"delivered", "completed", "refunded"}),
    "delivered": frozenset({"completed", "refunded"}),
    "completed": frozenset({"refunded"}),
    "cancelled": frozenset(),
    "refunded": frozenset(),
}

EVENT_OF_STATUS = {"pending": "order_created", "paid": "order_paid", "shipped": "order_shipped",
                   "delivered": "order_delivered", "completed": "order_completed",
                   "cancelled": "order_cancelled", "refunded": "order_refunded"}

# The external id of the refund total a platform's export reports for an order (no refund ids in a CSV); the
# platform's own refunds, when its webhooks later deliver them, take its place rather than add to it.
REPORTED_REFUND_ID = "import"

# Statuses that mean the buyer paid (what revenue and later loyalty count).
PAID_STATUSES = frozenset({"paid", "shipped", "delivered", "completed", "refunded"})


def can_transition(current: str | None, target: str) -> bool:
    """Whether an order in `current` may move to `target`."""
    return target in TRANSITIONS.get(current, frozenset())



def shipment_is_late(promised_at, delivered_at, now) -> bool:
    """Late = delivered after the promised time, or not delivered and the promised time has passed."""
    if promised_at is None:
        return False
    return (delivered_at if delivered_at is not None else now) > promised_at

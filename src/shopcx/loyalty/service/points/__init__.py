"""Points: the append-only ledger, earning from orders, what a refund takes back, review points and manual
adjustments with approval."""

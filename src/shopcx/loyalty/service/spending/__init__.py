"""Spending points: the rewards catalogue, redemption and points as payment, coupons, the checkout quote."""

"""The loyalty program: tiers, an append-only points ledger, rewards and coupons, referrals, the member page."""

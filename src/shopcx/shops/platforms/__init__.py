"""Shop platforms' own webhook bodies, turned into the order and customer data ShopCX stores (pure mappings)."""

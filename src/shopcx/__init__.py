"""ShopCX: customer satisfaction and loyalty management for online shops."""

__version__ = "0.1.0"

"""The generated demo shop: a plausible Taobao-style shop, deterministic by seed, never copied from data."""

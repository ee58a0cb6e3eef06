"""Loyalty tables."""

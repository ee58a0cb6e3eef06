"""The bridge to the messaging domain: until it is installed, nothing is sent and the queue waits."""

from __future__ import annotations


def messaging_deliverer():
    """The deliverer that sends through the messaging domain, or None while it is not installed."""
    try:
        from ...messaging import service as messaging  # noqa: F401
    except ImportError:
        return None
    return None

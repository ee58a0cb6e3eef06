"""The bridge to the messaging domain (channels, consent, quiet hours, caps, the message log); until it is installed
nothing is sent and the queue waits. The sandbox deliverer only records what it would send (for --dry-run)."""

from __future__ import annotations

import logging

log = logging.getLogger("shopcx.care")


def messaging_deliverer():
    """The deliverer that sends through the messaging domain, or None while it is not installed."""
    try:
        from ...messaging import service as messaging  # noqa: F401
    except ImportError:
        return None
    return None


def sandbox_deliverer():
    """A deliverer that sends nothing: the rendered message stays on the queue row, marked as a sandbox send."""

    def deliver(session, recipient, customer, subject, body) -> str:
        log.info("sandbox: %s to customer %s: %s", recipient.channel, recipient.customer_id, subject)
        return f"sandbox:{recipient.id}"

    return deliver

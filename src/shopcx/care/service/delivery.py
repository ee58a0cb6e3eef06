"""The bridge to the messaging domain: care hands each rendered message to `messaging.service.queue_messages`
(an e-mail as text with a simple HTML alternative; the sender adds the unsubscribe and preference links to both),
which checks the buyer's rights again (erased, consent, suppressed address; demo identities only reach the sandbox),
and whose sender applies quiet hours and frequency caps and never sends a key twice. Until the messaging domain is
installed nothing is sent and the queue waits. The sandbox deliverer only records (for --dry-run).

The messaging deliverer also answers `deliver.unreachable(session, recipients)` before anything is made for them
(sending.py): whom messaging would skip (no consent, muted topic, erased, suppressed) and whom the frequency caps
hold, so no coupon or points are issued for a message that is never sent, or that waits while its coupon runs."""

from __future__ import annotations

import logging
from collections import defaultdict

log = logging.getLogger("shopcx.care")
PURPOSE = {"campaign": "care_campaign", "moment": "care_moment"}


def messaging_deliverer():
    """The deliverer that queues through the messaging domain, or None while it is not installed."""
    try:
        from ...messaging import service as messaging
    except ImportError:
        return None

    def deliver(session, items) -> list[tuple[int | None, str | None]]:
        drafts = [messaging.Draft(shop_id=r.shop_id, customer_id=r.customer_id, purpose=PURPOSE[r.source],
                                  occasion=f"{r.source_id}:{r.occasion}", channel=r.channel, body=body,
                                  subject=subject, locale=r.language, ref_type="care_recipient", ref_id=r.id,
                                  not_before=r.send_after,
                                  html=messaging.html_alternative(body, r.language or "zh")
                                  if r.channel == "email" else None)
                  for r, _customer, subject, body in items]
        queued = messaging.queue_messages(session, drafts)
        return [(q.message.id, q.message.reason if q.message.status == "skipped" else None) for q in queued]

    def unreachable(session, recipients) -> dict:
        """recipient id → messaging's reason to skip them, or the time the caps let one more message go. The caps
        count, in the batch's order, each recipient let through against the next one for the same person."""
        groups = defaultdict(list)
        for r in recipients:
            groups[(r.shop_id, r.channel, PURPOSE[r.source])].append(r)
        out = {}
        for (shop_id, channel, purpose), rows in groups.items():
            problems = messaging.unreachable(session, shop_id, list({r.customer_id for r in rows}), channel,
                                             purpose=purpose)
            out |= {r.id: problems[r.customer_id] for r in rows if r.customer_id in problems}
        reachable = [r for r in recipients if r.id not in out]
        held = messaging.cap_admit(session, [(r.shop_id, r.customer_id) for r in reachable]) if reachable else []
        out |= {r.id: release for r, release in zip(reachable, held, strict=True) if release is not None}
        return out

    deliver.unreachable = unreachable
    return deliver


def sandbox_deliverer():
    """A deliverer that sends nothing: the rendered message stays on the queue row, marked as a sandbox send."""

    def deliver(session, items) -> list[tuple[str, None]]:
        for recipient, _customer, subject, _body in items:
            log.info("sandbox: %s to customer %s: %s", recipient.channel, recipient.customer_id, subject)
        return [(f"sandbox:{r.id}", None) for r, *_ in items]

    return deliver

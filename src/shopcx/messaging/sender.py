"""The sender: drains the queue in batches (the worker's periodic job and `shopcx messages send`).

Each batch is three short steps. (1) Claim, in one write transaction: due queued messages are checked again
(erased, consent withdrawn or unsubscribed, suppressed address, expired), held back by quiet hours in the shop's
timezone or by the frequency caps (deferred, not dropped), and the rest marked `sending`. (2) Send, with no
transaction open, through one provider per channel kept open across the whole run (one SMTP connection). (3) Write
the outcomes in one transaction: sent, retry later with backoff (back to `queued`), failed, or bounced (the address
is suppressed).

Nothing is sent twice: a message is sent only from `sending`, which only a claim sets, and a key is unique. A
message left in `sending` by a crash (claimed long ago, no outcome) may or may not have gone out; it is marked
failed ("interrupted") and never sent again, because a double is worse than a miss for a buyer.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..core import clock, db, i18n
from ..customers import service as customers
from . import links, repository, rules
from .channels import Outcome, Outgoing, Provider, provider_for
from .config import get_messaging_settings
from .html import track_html, with_footer
from .models import Message, Suppression
from .service.log import announce_settled
from .service.preferences import preference_url
from .service.queueing import is_demo, rights_problem
from .service.settings import shop_rules

log = logging.getLogger("shopcx.messaging")
STALE_AFTER = timedelta(minutes=15)
Progress = Callable[[int, int], None]


@dataclass
class SendReport:
    """What one run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    bounced: int = 0
    skipped: int = 0
    deferred: int = 0
    interrupted: int = 0
    batches: int = 0
    reasons: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def done(self) -> int:
        return self.sent + self.retried + self.failed + self.bounced + self.skipped + self.deferred


@dataclass(frozen=True)
class _Claimed:
    outgoing: Outgoing
    sandbox: bool
    attempts: int


def release_interrupted(now: datetime) -> int:
    """Mark messages a crashed run left in `sending` as failed (never sent again: they may have gone out)."""
    with db.session_scope(write=True) as session:
        stale = repository.stale_sending(session, now - STALE_AFTER)
        for message in stale:
            message.status, message.failed_at = "failed", now
            message.reason = "interrupted: the sender stopped while sending; not sent again to avoid a double"
        announce_settled(session, [message.id for message in stale])
        return len(stale)


def _prepare(message: Message) -> Outgoing:
    """The message as it goes out: links tracked, the unsubscribe link added and, on e-mail, the preference page's,
    to the text and to the HTML alike (neither on the agents' list, whose text staff paste into a platform chat as
    it is)."""
    if message.channel == "agent" or message.customer_id is None or message.purpose in rules.ASKED_FOR:
        return Outgoing(message.id, message.channel, message.address or "", message.subject, message.body,
                        message.html, {}, None)
    unsubscribe = links.unsubscribe_url(message.id)
    footer = i18n.t("messaging.footer", message.locale, url=unsubscribe)
    footer_links = [(i18n.t("messaging.footer_link_unsubscribe", message.locale), unsubscribe)]
    if message.channel == "email":  # an SMS stays short: one link, the unsubscribe one
        preferences = preference_url(message.customer_id)
        footer += "\n" + i18n.t("messaging.footer_preferences", message.locale, url=preferences)
        footer_links.append((i18n.t("messaging.footer_link_preferences", message.locale), preferences))
    body = links.track_links(message.body, message.id) + "\n\n" + footer
    html = with_footer(track_html(message.html, message.id), footer_links) if message.html else None
    return Outgoing(message.id, message.channel, message.address or "", message.subject, body, html, {}, unsubscribe)


def _hold(message: Message, now: datetime, shop, sent: list[datetime]) -> tuple[datetime | None, str]:
    quiet = rules.quiet_release(now, shop.tz, shop.quiet_start, shop.quiet_end)
    capped = rules.cap_release(now, sent, shop.caps)
    if quiet and (not capped or quiet >= capped):
        return quiet, "quiet_hours"
    return capped, "frequency_cap"


def _claim(now: datetime, batch: int, report: SendReport) -> list[_Claimed] | None:
    """Check and claim one batch of due messages; None when nothing is due."""
    with db.session_scope(write=True) as session:
        rows = repository.due(session, now, batch)
        if not rows:
            return None
        people = customers.customers_by_ids(session, [r.customer_id for r in rows if r.customer_id])
        shops = {sid: shop_rules(session, sid) for sid in {r.shop_id for r in rows if r.shop_id}}
        blocked = repository.suppressed(session, {(r.channel, r.address) for r in rows if r.address})
        history = repository.sent_times(session, people, now - rules.CAP_WINDOWS[-1][1])
        claimed = []
        for message in rows:
            shop = shops.get(message.shop_id)
            problem = None
            if message.expires_at and now >= message.expires_at:
                problem = "expired"
            elif message.customer_id is not None:
                problem = rights_problem(people.get(message.customer_id), message.channel,
                                         require_opt_in=shop.require_opt_in if shop else True,
                                         suppressed=(message.channel, message.address) in blocked,
                                         purpose=message.purpose)
            if problem is None and shop is not None and message.customer_id is not None \
                    and message.purpose not in rules.ASKED_FOR:
                release, why = _hold(message, now, shop, history[message.customer_id])
                if release is not None:
                    if message.expires_at and release >= message.expires_at:
                        problem = why
                    else:
                        message.next_attempt_at, message.reason = release, why
                        report.deferred += 1
                        continue
            if problem:
                message.status, message.reason = "skipped", problem
                report.skipped += 1
                report.reasons[problem] += 1
                continue
            message.status, message.claimed_at, message.reason = "sending", now, None
            message.attempts += 1
            customer = people.get(message.customer_id)
            history[message.customer_id].append(now)
            sandbox = bool(shop and shop.sandbox) or (customer is not None and is_demo(customer))
            claimed.append(_Claimed(_prepare(message), sandbox, message.attempts))
        return claimed


def _outcome_row(item: _Claimed, outcome: Outcome, provider: str, now: datetime, attempts: int) -> dict:
    row = {"id": item.outgoing.id, "status": outcome.status, "provider": provider, "reason": outcome.reason,
           "sent_at": None, "failed_at": None, "next_attempt_at": now}
    if outcome.status == "sent":
        row["sent_at"] = now
    elif outcome.status == "retry":
        wait = rules.backoff(attempts)
        if wait is None:
            row |= {"status": "failed", "failed_at": now, "reason": f"gave up after {attempts} attempts: "
                                                                    f"{outcome.reason}"[:300]}
        else:
            row |= {"status": "queued", "next_attempt_at": now + wait}
    else:
        row["failed_at"] = now
    return row


def _record(results: list[tuple[_Claimed, Outcome, str]], report: SendReport) -> None:
    now = clock.now()
    with db.session_scope(write=True) as session:
        rows = [_outcome_row(item, outcome, name, now, item.attempts) for item, outcome, name in results]
        repository.write_outcomes(session, rows)
        announce_settled(session, [row["id"] for row in rows if row["status"] != "queued"])
        bounced = {(item.outgoing.channel, item.outgoing.address): outcome.reason
                   for item, outcome, _ in results if outcome.status == "bounced"}
        known = repository.suppressed(session, bounced)
        for (channel, address), reason in bounced.items():
            if (channel, address) not in known:
                session.add(Suppression(channel=channel, address=address, reason=reason or "bounced",
                                        created_at=now))
    for row in rows:
        status = row["status"]
        if status == "queued":
            report.retried += 1
        else:
            setattr(report, status, getattr(report, status) + 1)
        if row["reason"] and status != "sent":
            report.reasons[row["reason"].split(":")[0][:40]] += 1


def send_due(*, limit: int | None = None, batch: int | None = None, on_progress: Progress | None = None) -> SendReport:
    """Send what is due, batch by batch, until nothing is due or `limit` messages were handled."""
    settings = get_messaging_settings()
    batch = batch or settings.send_batch
    report = SendReport()
    report.interrupted = release_interrupted(clock.now())
    with db.session_scope() as session:
        total = repository.count_due(session, clock.now())
    total = min(total, limit) if limit else total
    providers: dict[tuple[str, bool], Provider] = {}
    down: set[tuple[str, bool]] = set()
    try:
        while not limit or report.done < limit:
            claimed = _claim(clock.now(), min(batch, limit - report.done) if limit else batch, report)
            if claimed is None:
                break
            report.batches += 1
            results = []
            for item in claimed:
                which = (item.outgoing.channel, item.sandbox)
                if which not in providers:
                    providers[which] = provider_for(item.outgoing.channel, settings, sandbox=item.sandbox)
                provider = providers[which]
                if which in down:
                    outcome = Outcome("retry", f"connection: {provider.name} unavailable in this run")
                else:
                    outcome = provider.send(item.outgoing)
                    if outcome.status == "retry" and (outcome.reason or "").startswith("connection"):
                        down.add(which)
                results.append((item, outcome, provider.name))
            if results:
                _record(results, report)
            if on_progress:
                on_progress(report.done, max(total, report.done))
    finally:
        for provider in providers.values():
            try:
                provider.close()
            except Exception:  # closing a broken connection must not hide what was sent
                log.exception("closing %s failed", provider.name)
    return report

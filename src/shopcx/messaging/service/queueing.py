"""Queueing messages: the one door other domains use. Each message is checked against the buyer's rights when
queued (and again when sent): never to an erased person, consent per channel, no suppressed address; a `demo`
identity's messages go only to the sandbox. Every text passes core.outgoing.check_outgoing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ...core import clock
from ...core.errors import InvalidInput
from ...core.outgoing import check_outgoing
from ...customers import service as customers
from .. import repository, rules
from ..models import CHANNELS, Message
from .settings import shop_rules

# The consent each channel needs (customers.CONSENT_CHANNELS); the agents' list is a call or a platform chat.
CONSENT_OF = {"email": "email", "sms": "sms", "wechat": "wechat", "agent": "phone"}
MAX_BODY = 20_000
MUTED_KEY = "muted_topics"  # in customer.preferences, written by the preference page


@dataclass(frozen=True)
class Draft:
    """One message to queue: to whom, why (purpose + occasion = its idempotency key), and what it says."""

    shop_id: int
    customer_id: int
    purpose: str
    occasion: str
    channel: str
    body: str
    subject: str = ""
    html: str | None = None
    locale: str | None = None
    ref_type: str | None = None
    ref_id: int | None = None
    not_before: datetime | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Queued:
    """The stored message for a draft; `created` is False when the same key was queued before."""

    message: Message
    created: bool


def address_of(customer, channel: str) -> str | None:
    """Where a channel reaches a customer: e-mail, mobile, WeChat id, or for agents the platform identity."""
    if channel == "email":
        return customer.email
    if channel == "sms":
        return customer.phone
    if channel == "wechat":
        return next((i.external_id for i in customer.identities if i.source == "wechat"), None)
    ident = next((i for i in customer.identities if i.source != "demo"), None)
    return f"{ident.source}:{ident.external_id}" if ident else customer.phone


def is_demo(customer) -> bool:
    return any(i.source == "demo" for i in customer.identities)


def consent_of(customer, channel: str) -> bool | None:
    wanted = CONSENT_OF[channel]
    return next((c.granted for c in customer.consents if c.channel == wanted), None)


def muted_topics(customer) -> list[str]:
    """The topics a buyer turned off on their preference page."""
    muted = (customer.preferences or {}).get(MUTED_KEY) if customer is not None else None
    return [t for t in muted if t in rules.TOPICS] if isinstance(muted, list) else []


def rights_problem(customer, channel: str, *, require_opt_in: bool, suppressed: bool,
                   purpose: str | None = None) -> str | None:
    """Why this customer may not get a message of this purpose on this channel now, or None (demo is not a
    problem: sandbox); a message the person asked for (rules.ASKED_FOR) needs no consent."""
    if customer is None or customer.erased_at is not None:
        return "erased"
    if purpose not in rules.ASKED_FOR and not rules.consent_allows(consent_of(customer, channel),
                                                                   require_opt_in=require_opt_in):
        return "no_consent"
    if not rules.topic_allows(purpose, muted_topics(customer)):
        return "topic_muted"
    if not address_of(customer, channel):
        return "no_address"
    if suppressed:
        return "suppressed"
    return None


def _check(draft: Draft) -> None:
    if draft.channel not in CHANNELS:
        raise InvalidInput("invalid_message_channel", f"channel: '{draft.channel}' is not one of "
                           f"{', '.join(CHANNELS)}", field="channel")
    if not draft.body or not draft.body.strip() or len(draft.body) > MAX_BODY:
        raise InvalidInput("invalid_message_body", f"body: write 1–{MAX_BODY} characters", field="body")
    if len(draft.subject) > 200:
        raise InvalidInput("invalid_message_subject", "subject: at most 200 characters", field="subject")
    check_outgoing(draft.subject, "subject")
    check_outgoing(draft.body, "body")
    check_outgoing(draft.html, "html")


def queue_messages(session: Session, drafts: list[Draft]) -> list[Queued]:
    """Queue many messages at once (a wave, a campaign): one stored message per key, in the drafts' order."""
    for draft in drafts:
        _check(draft)
    now = clock.now()
    people = customers.customers_by_ids(session, [d.customer_id for d in drafts])
    wanted = {rules.message_key(d.purpose, d.customer_id, d.occasion): d for d in drafts}
    existing = repository.by_keys(session, list(wanted))
    pairs = {(d.channel, address_of(people[d.customer_id], d.channel)) for d in drafts if d.customer_id in people}
    blocked = repository.suppressed(session, {p for p in pairs if p[1]})
    settings = {}
    out: list[Queued] = []
    for key, draft in wanted.items():
        if key in existing:
            out.append(Queued(existing[key], False))
            continue
        if draft.shop_id not in settings:
            settings[draft.shop_id] = shop_rules(session, draft.shop_id)
        shop = settings[draft.shop_id]
        customer = people.get(draft.customer_id)
        address = address_of(customer, draft.channel) if customer else None
        problem = rights_problem(customer, draft.channel, require_opt_in=shop.require_opt_in,
                                 suppressed=(draft.channel, address) in blocked, purpose=draft.purpose)
        message = Message(key=key, shop_id=draft.shop_id, customer_id=draft.customer_id, purpose=draft.purpose,
                          occasion=draft.occasion, channel=draft.channel, address=address,
                          locale=draft.locale or preferred_locale(customer),
                          subject=draft.subject, body=draft.body, html=draft.html, ref_type=draft.ref_type,
                          ref_id=draft.ref_id, status="skipped" if problem else "queued", reason=problem,
                          attempts=0, next_attempt_at=max(draft.not_before or now, now),
                          expires_at=draft.expires_at, queued_at=now)
        session.add(message)
        existing[key] = message
        out.append(Queued(message, True))
    session.flush()
    return out


def unreachable(session: Session, shop_id: int, customer_ids: list[int], channel: str,
                purpose: str | None = None) -> dict[int, str]:
    """The customers a channel may not reach now, with the reason (erased, no_consent, topic_muted, no_address,
    suppressed), so a caller can leave them out before making anything for them (a survey link, a coupon)."""
    people = customers.customers_by_ids(session, customer_ids)
    shop = shop_rules(session, shop_id)
    addresses = {cid: address_of(p, channel) for cid, p in people.items()}
    blocked = repository.suppressed(session, {(channel, a) for a in addresses.values() if a})
    out = {}
    for cid in customer_ids:
        problem = rights_problem(people.get(cid), channel, require_opt_in=shop.require_opt_in,
                                 suppressed=(channel, addresses.get(cid)) in blocked, purpose=purpose)
        if problem:
            out[cid] = problem
    return out


def cap_held(session: Session, shop_id: int, customer_ids: list[int]) -> dict[int, datetime]:
    """The customers the shop's frequency caps hold now, with when one more message may go to each, so a caller
    can wait before making anything for them (a coupon whose validity would run while the message waits)."""
    ids = list(dict.fromkeys(customer_ids))
    held = zip(ids, cap_admit(session, [(shop_id, cid) for cid in ids]), strict=True)
    return {cid: release for cid, release in held if release is not None}


def cap_admit(session: Session, batch: list[tuple[int, int]]) -> list[datetime | None]:
    """For a batch of (shop id, customer id) about to be messaged, in order (a customer may come more than once):
    None for each one the caps let go now, counting the batch's earlier admitted ones as sent now (two messages
    for one person in one batch must not both pass a cap of one), else when one more may go."""
    now = clock.now()
    caps = {shop_id: shop_rules(session, shop_id).caps for shop_id in dict.fromkeys(s for s, _ in batch)}
    history = repository.sent_times(session, [cid for _, cid in batch], now - rules.CAP_WINDOWS[-1][1])
    out: list[datetime | None] = []
    for shop_id, cid in batch:
        release = rules.cap_release(now, history.get(cid, []), caps[shop_id])
        if release is None:
            history.setdefault(cid, []).append(now)
        out.append(release)
    return out


def preferred_locale(customer) -> str:
    """The language a customer reads (their stated preference, else Chinese)."""
    language = (customer.preferences or {}).get("language") if customer is not None else None
    return language if language in ("zh", "en") else "zh"


def queue_message(session: Session, *, shop_id: int, customer_id: int, purpose: str, occasion: str, channel: str,
                  body: str, subject: str = "", html: str | None = None, locale: str | None = None,
                  ref_type: str | None = None, ref_id: int | None = None, not_before: datetime | None = None,
                  expires_at: datetime | None = None) -> Queued:
    """Queue one message (see Draft); queueing the same purpose + customer + occasion again returns the first."""
    return queue_messages(session, [Draft(shop_id, customer_id, purpose, occasion, channel, body, subject, html,
                                          locale, ref_type, ref_id, not_before, expires_at)])[0]

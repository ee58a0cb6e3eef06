"""The buyer's preference page by signed link (`/msg/p/<token>`, linked from every e-mail's footer next to the
unsubscribe link): channels (consent per channel, source "preference_page", with its time), topics (care
moments, offers, surveys: what the sender honours, messaging.rules.TOPICS), birthday (solar or lunar, read by the
birthday care moment) and language.

A link is base64url("<customer id>.<expiry>") signed under its own purpose (core/tokens.py); it names no message,
so one link from any e-mail opens the same page. Its form posts a token derived from the link (no staff cookie).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from ...core import clock, tokens
from ...core.errors import InvalidInput, NotFound, PermissionDenied
from ...customers import service as customers
from ...customers.schemas import LunarBirthday
from ...staff.service import Actor, audit
from .. import links, rules
from . import settings
from .queueing import MUTED_KEY, consent_of, muted_topics, preferred_locale

_LINK = b"shopcx.preference-link.v1:"
_FORM = b"shopcx.preference-form.v1:"
LINK_DAYS = 180
# The consents the page shows, in the customers domain's names; "phone" is what the agents' list needs (a call or
# the platform's chat), app_push is left out: no channel sends it.
CHANNELS = ("email", "sms", "wechat", "phone")
_MESSAGING_CHANNEL = {"email": "email", "sms": "sms", "wechat": "wechat", "phone": "agent"}
LANGUAGES = ("zh", "en")
BIRTHDAY_KINDS = ("none", "solar", "lunar")


class PreferenceLinkRefused(NotFound):
    """A preference link that was forged, altered or has expired: answered with the page that says which."""


def preference_token(customer_id: int, *, days: int = LINK_DAYS) -> str:
    """A signed token to one buyer's preference page, valid `days` days."""
    return tokens.sign_token(_LINK, customer_id, expires=clock.now() + timedelta(days=days))


def preference_token_for_message(message) -> str | None:
    """The preference link a message's pages (unsubscribe) may offer: valid only as long as the link its own
    footer carried (LINK_DAYS from when it was sent), None after. A message's own links never expire, so minting a
    fresh link there would make a months-old e-mail a preference link that never runs out."""
    sent = clock.as_utc(message.sent_at or message.queued_at)
    if message.customer_id is None or sent is None:
        return None
    expires = sent + timedelta(days=LINK_DAYS)
    if expires <= clock.now():
        return None
    return tokens.sign_token(_LINK, message.customer_id, expires=expires)


def preference_url(customer_id: int) -> str:
    """The full address of a fresh preference link (for message footers)."""
    return f"{links.base_url()}/msg/p/{preference_token(customer_id)}"


# Who may hand a buyer their preference link: staff who message buyers (messaging:write) and may see their contact
# details (pii: the page shows the buyer's name and birthday, and whoever holds the link can change their choices).
LINK_PERMISSIONS = ("messaging:write", "pii")


def link_for_staff(session: Session, customer_id: int, *, actor: Actor) -> tuple[str, date]:
    """A fresh preference link for staff to copy to the buyer (a chat, a call), recorded in the audit log, and the
    last day it works; PermissionDenied without LINK_PERMISSIONS, NotFound for an erased or unknown buyer."""
    for permission in LINK_PERMISSIONS:
        actor.require(permission)
    customer = customers.get_customer(session, customer_id)
    expires = clock.now() + timedelta(days=LINK_DAYS)
    audit(session, actor, "messaging.preference_link", "customer", customer.id, {"expires_at": expires.isoformat()})
    return preference_url(customer.id), expires.date()


def form_token(token: str) -> str:
    """What the page's form must send back: derived from the link, so only its holder can post."""
    return tokens.form_token(_FORM, token)


def customer_for(session: Session, token: str):
    """The buyer a link is for; PreferenceLinkRefused (code preference_link_invalid or _expired) otherwise."""
    invalid = PreferenceLinkRefused("preference_link_invalid", "this preference link is not valid")
    customer_id, _ = tokens.read_id(_LINK, token, invalid=invalid, expired=PreferenceLinkRefused(
        "preference_link_expired", "this preference link has expired; the latest message from the shop has a new one"))
    customer = customers.customers_by_ids(session, [customer_id]).get(customer_id)
    if customer is None or customer.erased_at is not None:
        raise invalid
    return customer


@dataclass(frozen=True)
class Preferences:
    """What the page shows and the form sends: channels on, topics on, the birthday and the language."""

    channels: frozenset[str]
    topics: frozenset[str]
    birthday_kind: str = "none"
    birthday: date | str | None = None  # a str only when drawn again as typed beside its error
    lunar_month: int | None = None
    lunar_day: int | None = None
    lunar_leap: bool = False
    language: str = "zh"


def opt_in_required(session: Session, customer) -> bool:
    """Whether a consent the buyer never gave counts as a no on their page: when any shop that knows them (their
    identities; the link names no shop) sends only with opt-in, or when no shop does (the default)."""
    shop_ids = {i.shop_id for i in customer.identities if i.shop_id is not None}
    if not shop_ids:
        return bool(settings.DEFAULTS["require_opt_in"])
    return any(settings.current(session, shop_id)["require_opt_in"] for shop_id in sorted(shop_ids))


def current(customer, *, require_opt_in: bool = True) -> Preferences:
    """The buyer's stored choices. A consent never given shows as the sender treats it (messaging.rules
    .consent_allows): off where the shop requires opt-in, on where it does not."""
    lunar = customer.birthday_on is None and customer.birthday_lunar_month is not None
    kind = "solar" if customer.birthday_on else "lunar" if lunar else "none"
    return Preferences(frozenset(c for c in CHANNELS if rules.consent_allows(
                           consent_of(customer, _MESSAGING_CHANNEL[c]), require_opt_in=require_opt_in)),
                       frozenset(t for t in rules.TOPICS if t not in muted_topics(customer)), kind,
                       customer.birthday_on, customer.birthday_lunar_month if lunar else None,
                       customer.birthday_lunar_day if lunar else None,
                       bool(customer.birthday_is_leap_month) if lunar else False, preferred_locale(customer))


def _number(text: str, field: str, low: int, high: int, strict: bool) -> int | None:
    try:
        value = int((text or "").strip())
    except ValueError:
        value = 0
    if not low <= value <= high:
        if not strict:
            return None
        raise InvalidInput("preference_out_of_range", f"{field}: a whole number from {low} to {high}", field=field,
                           values={"low": low, "high": high})
    return value


def parse_form(form, *, strict: bool = True) -> Preferences:
    """The posted form as Preferences; InvalidInput naming the field for anything that is not a choice offered.
    Not strict: the form as the buyer sent it, to draw it again beside the error (a bad date kept as typed)."""
    language = form.get("language") or ""
    if language not in LANGUAGES:
        if strict:
            raise InvalidInput("preference_language_invalid", "language: choose Chinese (zh) or English (en)",
                               field="locale")
        language = ""
    kind = form.get("birthday_kind") or "none"
    if kind not in BIRTHDAY_KINDS:
        if strict:
            raise InvalidInput("preference_birthday_kind_invalid", "birthday: choose solar, lunar or none",
                               field="birthday")
        kind = "none"
    solar = month = day = None
    if kind == "solar":
        solar = _solar(form.get("birthday") or "", strict)
    elif kind == "lunar":
        month = _number(form.get("lunar_month"), "birthday_lunar_month", 1, 12, strict)
        day = _number(form.get("lunar_day"), "birthday_lunar_day", 1, 30, strict)
    return Preferences(frozenset(c for c in CHANNELS if form.get(f"channel_{c}")),
                       frozenset(t for t in rules.TOPICS if form.get(f"topic_{t}")), kind, solar, month, day,
                       kind == "lunar" and bool(form.get("lunar_leap")), language)


def _solar(text: str, strict: bool) -> date | str | None:
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:
        value = None
    if value is not None and date(1900, 1, 1) <= value <= clock.now().date():
        return value
    if strict:
        raise InvalidInput("preference_birthday_invalid", "birthday: give a date like 1990-05-20", field="birthday")
    return text.strip()[:10] or None


def save(session: Session, token: str, form, *, form_token_given: str | None, ip: str | None = None):
    """Store the buyer's choices from their page; the customer. Consents change with source "preference_page"
    and the time; a message already queued is checked again by the sender, so a muted topic or a withdrawn
    channel stops it too."""
    customer = customer_for(session, token)
    if not tokens.form_token_matches(_FORM, token, form_token_given):
        raise PermissionDenied("preference_form_invalid", "the form did not come from this page; reload it")
    wanted = parse_form(form)
    before = current(customer, require_opt_in=opt_in_required(session, customer))
    # Only a channel the buyer switched: one left as shown keeps what it was, so a consent never given stays
    # unrecorded (still allowed where the shop needs no opt-in) rather than becoming a refusal nobody made.
    for channel in CHANNELS:
        if (channel in wanted.channels) != (channel in before.channels):
            customers.set_consent(session, customer, channel, channel in wanted.channels, source="preference_page")
    lunar = LunarBirthday(month=wanted.lunar_month, day=wanted.lunar_day, leap_month=wanted.lunar_leap) \
        if wanted.birthday_kind == "lunar" else None
    customers.set_birthday(session, customer, solar=wanted.birthday, lunar=lunar)
    customers.set_preferences(session, customer, {"language": wanted.language,
                                                  MUTED_KEY: sorted(set(rules.TOPICS) - wanted.topics)})
    changes = {name: [_plain(getattr(before, name)), _plain(getattr(wanted, name))]
               for name in Preferences.__dataclass_fields__ if getattr(before, name) != getattr(wanted, name)}
    audit(session, Actor(label=f"buyer:{customer.id}", ip=ip), "messaging.preferences", "customer", customer.id,
          changes)
    return customer


def _plain(value):
    if isinstance(value, frozenset):
        return sorted(value)
    return value.isoformat() if isinstance(value, date) else value

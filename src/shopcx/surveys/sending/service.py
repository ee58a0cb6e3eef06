"""Survey sending use cases: the rules per survey, invitations queued through messaging, waves, reminders.

A person is invited to at most one survey per `fatigue_days` across all the shop's surveys; a wave stops inviting
once `quota` answers are in (0: no quota); a non-responder gets at most `reminders` reminders, `reminder_days`
apart. Messaging adds the buyer's rights (consent, quiet hours, caps, unsubscribe) and never sends twice: each
invitation is one message key, each reminder another.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...core import clock, i18n
from ...core.errors import InvalidInput
from ...customers import service as customers
from ...insights import service as insights
from ...messaging import service as messaging
from ...shops import service as shops
from ...staff.service import Actor, audit
from .. import service as surveys
from ..service.links import link_token
from ..tables import Invitation, Response, Survey
from .tables import SurveySending

TRIGGERS = ("order_delivered", "ticket_closed", "review_received")
SEND_CHANNELS = ("email", "sms", "wechat", "agent")
DEFAULTS = {"channel": "email", "trigger": None, "delay_days": 3, "reminders": 1, "reminder_days": 3,
            "fatigue_days": 30, "quota": 0, "link_days": 30}
LIMITS = {"delay_days": (0, 90), "reminders": (0, 5), "reminder_days": (1, 60), "fatigue_days": (0, 365),
          "quota": (0, 1_000_000), "link_days": (1, 365)}
# What survey_invitation.channel records for each messaging channel.
_INVITATION_CHANNEL = {"email": "email", "sms": "sms", "wechat": "webhook", "agent": "chat"}


@dataclass
class SendResult:
    """What a send did: invitations queued and the customers left out, with the reason."""

    wave: str
    queued: int = 0
    drawn: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)

    def reasons(self) -> dict[str, int]:
        return dict(Counter(reason for _, reason in self.skipped))


def settings_of(session: Session, survey: Survey) -> dict:
    row = session.get(SurveySending, survey.id)
    return dict(DEFAULTS) if row is None else {name: getattr(row, name) for name in DEFAULTS}


def update_sending(session: Session, survey: Survey, values: dict, *, actor: Actor) -> dict:
    """Change how a survey is sent; a bad value is refused naming its field and nothing changes."""
    merged = settings_of(session, survey) | {k: v for k, v in values.items() if k in DEFAULTS}
    if merged["channel"] not in SEND_CHANNELS:
        raise InvalidInput("invalid_message_channel", f"channel: '{merged['channel']}' is not one of "
                           f"{', '.join(SEND_CHANNELS)}", field="channel")
    merged["trigger"] = merged["trigger"] or None
    if merged["trigger"] is not None and merged["trigger"] not in TRIGGERS:
        raise InvalidInput("invalid_survey_trigger", f"trigger: '{merged['trigger']}' is not one of "
                           f"{', '.join(TRIGGERS)}", field="trigger")
    for name, (low, high) in LIMITS.items():
        try:
            merged[name] = int(merged[name])
        except (TypeError, ValueError):
            merged[name] = low - 1
        if not low <= merged[name] <= high:
            raise InvalidInput("invalid_survey_sending", f"{name}: a whole number from {low} to {high}", field=name,
                               values={"low": low, "high": high})
    row = session.get(SurveySending, survey.id)
    if row is None:
        row = SurveySending(survey_id=survey.id)
        session.add(row)
    for name, value in merged.items():
        setattr(row, name, value)
    row.updated_at = clock.now()
    session.flush()
    audit(session, actor, "survey.sending", "survey", survey.id, merged)
    return merged


def answered_in_wave(session: Session, survey: Survey, wave: str) -> int:
    return session.scalar(select(func.count(Response.id)).where(
        Response.survey_id == survey.id, Response.wave == wave, Response.submitted_at.is_not(None))) or 0


def recently_surveyed(session: Session, shop_id: int, customer_ids: list[int], days: int) -> set[int]:
    """Those invited to any of the shop's surveys in the last `days` days (the fatigue cap)."""
    if days <= 0 or not customer_ids:
        return set()
    since = clock.now() - timedelta(days=days)
    found: set[int] = set()
    for start in range(0, len(customer_ids), 500):
        chunk = customer_ids[start:start + 500]
        found |= set(session.scalars(select(Invitation.customer_id).where(
            Invitation.shop_id == shop_id, Invitation.customer_id.in_(chunk), Invitation.created_at >= since)))
    return found


def invitation_texts(survey: Survey, shop_name: str, name: str, url: str, expires: datetime, tz: str, locale: str,
           reminder: bool) -> tuple[str, str]:
    kind = "reminder" if reminder else "invite"
    values = {"name": name, "shop": shop_name, "survey": survey.name_zh if locale == "zh" else survey.name_en,
              "url": url, "until": clock.as_utc(expires).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d")}
    return (i18n.t(f"surveys.send.{kind}_subject", locale, **values),
            i18n.t(f"surveys.send.{kind}_body", locale, **values))


def send_invitations(session: Session, survey: Survey, customer_ids: list[int], *, wave: str, actor: Actor,
                     channel: str | None = None, not_before: datetime | None = None,
                     order_id: int | None = None, locale: str | None = None,
                     ticket_id: int | None = None) -> SendResult:
    """Personal links for these customers, each queued as a message through messaging (fatigue cap and quota
    first; consent, quiet hours and caps are messaging's); `order_id` and `ticket_id` are what the invitation
    is about (the desk's ticket whose closing sent it)."""
    rules = settings_of(session, survey)
    channel = channel or rules["channel"]
    if channel not in SEND_CHANNELS:
        raise InvalidInput("invalid_message_channel", f"channel: '{channel}' is not one of "
                           f"{', '.join(SEND_CHANNELS)}", field="channel")
    result = SendResult(wave=wave)
    ids = list(dict.fromkeys(customer_ids))
    if rules["quota"] and answered_in_wave(session, survey, wave) >= rules["quota"]:
        result.skipped = [(cid, "quota") for cid in ids]
        return result
    # Nobody gets a link they cannot be sent (no consent, erased, suppressed): it would count for the fatigue cap.
    blocked = messaging.unreachable(session, survey.shop_id, ids, channel, purpose="survey")
    result.skipped += [(cid, reason) for cid, reason in blocked.items()]
    ids = [cid for cid in ids if cid not in blocked]
    tired = recently_surveyed(session, survey.shop_id, ids, rules["fatigue_days"])
    result.skipped += [(cid, "fatigue") for cid in ids if cid in tired]
    links, skipped = surveys.invite(session, survey, [c for c in ids if c not in tired], wave=wave,
                                    channel=_INVITATION_CHANNEL[channel], days=rules["link_days"], actor=actor)
    result.skipped += skipped
    if not links:
        return result
    shop = shops.get_shop_by_id(session, survey.shop_id)
    base = messaging.public_url()
    people = customers.customers_by_ids(session, [link.customer_id for link in links])
    drafts = []
    for link in links:
        if order_id is not None or ticket_id is not None:
            invitation = session.get(Invitation, link.invitation_id)
            invitation.order_id, invitation.ticket_id = order_id, ticket_id
        lang = locale or messaging.preferred_locale(people.get(link.customer_id))
        subject, body = invitation_texts(survey, shop.name, link.customer_name, f"{base}/s/{link.token}",
                                         link.expires_at, shop.timezone, lang, reminder=False)
        drafts.append(messaging.Draft(survey.shop_id, link.customer_id, "survey", f"invitation-{link.invitation_id}",
                                      channel, body, subject, locale=lang, ref_type="survey_invitation",
                                      ref_id=link.invitation_id, not_before=not_before, expires_at=link.expires_at))
    queued = messaging.queue_messages(session, drafts)
    result.queued = sum(1 for q in queued if q.message.status == "queued")
    result.skipped += [(q.message.customer_id, q.message.reason or q.message.status) for q in queued
                       if q.message.status == "skipped"]
    return result


def draw_sample(customer_ids: list[int], size: int | None, seed: int) -> list[int]:
    """A seeded random sample of a segment (the same seed draws the same people); all of it without a size."""
    ids = sorted(set(customer_ids))
    if not size or size >= len(ids):
        return ids
    return sorted(random.Random(seed).sample(ids, size))


def wave_audience(session: Session, survey: Survey, *, customer_ids: list[int] | None = None,
                  segment: str | None = None, stage: str | None = None) -> tuple[list[int], str]:
    """Who a wave goes to: the listed customers, or the shop's customers in an RFM segment (champions, at_risk, …)
    and/or a lifecycle stage of the latest customer value analysis; and its name for the audit log ("list",
    "segment:champions", "stage:repeat")."""
    if (segment or stage) and customer_ids:
        raise InvalidInput("survey_wave_audience", "customers: list customers or choose a segment or stage, not both",
                           field="customers")
    if segment or stage:
        ids = insights.audience_of(session, survey.shop_id, segment=segment or None, stage=stage or None)[1]
        return ids, "+".join(f"{kind}:{code}" for kind, code in (("segment", segment), ("stage", stage)) if code)
    if not customer_ids:
        raise InvalidInput("survey_wave_audience", "customers: list customers or choose a segment or stage",
                           field="customers")
    return list(customer_ids), "list"


def send_wave(session: Session, survey: Survey, segment: list[int], *, wave: str, sample: int | None = None,
              seed: int = 1, channel: str | None = None, audience: str = "list", actor: Actor) -> SendResult:
    """A wave (monthly / quarterly / yearly) to a segment or a seeded random sample of it; `audience` names where
    the segment came from (a list, or segment:<code> / stage:<code>) for the audit log."""
    chosen = draw_sample(segment, sample, seed)
    result = send_invitations(session, survey, chosen, wave=wave, channel=channel, actor=actor)
    result.drawn = len(chosen)
    audit(session, actor, "survey.wave", "survey", survey.id, {"wave": wave, "drawn": len(chosen), "audience": audience,
                                                              "queued": result.queued, "seed": seed})
    return result


def waves(session: Session, survey: Survey) -> list[tuple[str, int, int]]:
    """Each wave's name, invitations and answers, latest name first."""
    return [tuple(row) for row in session.execute(
        select(Invitation.wave, func.count(Invitation.id), func.count(Invitation.answered_at))
        .where(Invitation.survey_id == survey.id).group_by(Invitation.wave).order_by(Invitation.wave.desc()))]


def send_reminders(session: Session, survey: Survey) -> int:
    """Remind non-responders whose link still lives: at most `reminders` times, `reminder_days` apart; returns how
    many reminders were queued."""
    rules = settings_of(session, survey)
    if rules["reminders"] <= 0:
        return 0
    now = clock.now()
    gap = timedelta(days=rules["reminder_days"])
    open_ones = list(session.scalars(select(Invitation).where(
        Invitation.survey_id == survey.id, Invitation.answered_at.is_(None), Invitation.expires_at > now,
        Invitation.created_at <= now - gap, Invitation.customer_id.is_not(None))))
    if not open_ones:
        return 0
    by_invitation: dict[int, list] = {}
    for message in messaging.messages_for(session, "survey_invitation", [i.id for i in open_ones]):
        by_invitation.setdefault(message.ref_id, []).append(message)
    quota_full = rules["quota"] and {w for w in {i.wave for i in open_ones}
                                     if answered_in_wave(session, survey, w) >= rules["quota"]}
    shop = shops.get_shop_by_id(session, survey.shop_id)
    base = messaging.public_url()
    drafts = []
    for inv in open_ones:
        sent = by_invitation.get(inv.id, [])
        first = next((m for m in sent if m.purpose == "survey"), None)
        if first is None or first.sent_at is None or first.unsubscribed_at or (quota_full and inv.wave in quota_full):
            continue  # never reached (no consent, skipped) or not sent yet: nothing to remind of
        reminders = [m for m in sent if m.purpose == "survey_reminder"]
        last = max([first.sent_at] + [m.queued_at for m in reminders])
        if len(reminders) >= rules["reminders"] or now - last < gap:
            continue
        subject, body = invitation_texts(survey, shop.name, "", f"{base}/s/{link_token(inv)}", inv.expires_at,
                               shop.timezone, first.locale, reminder=True)
        drafts.append(messaging.Draft(survey.shop_id, inv.customer_id, "survey_reminder",
                                      f"invitation-{inv.id}-{len(reminders) + 1}", first.channel, body, subject,
                                      locale=first.locale, ref_type="survey_invitation", ref_id=inv.id,
                                      expires_at=inv.expires_at))
    queued = messaging.queue_messages(session, drafts)
    return sum(1 for q in queued if q.created and q.message.status == "queued")


def triggered_surveys(session: Session, shop_id: int, trigger: str) -> list[Survey]:
    """The shop's published surveys sent after this event."""
    return list(session.scalars(select(Survey).join(SurveySending, SurveySending.survey_id == Survey.id).where(
        Survey.shop_id == shop_id, SurveySending.trigger == trigger, Survey.published_version.is_not(None))))


def open_links(session: Session, survey: Survey, wave: str = "") -> list[Invitation]:
    """A wave's invitations not answered and not expired (all waves without one), for the agents' link list."""
    stmt = select(Invitation).where(Invitation.survey_id == survey.id, Invitation.answered_at.is_(None),
                                    Invitation.expires_at > clock.now())
    if wave:
        stmt = stmt.where(Invitation.wave == wave)
    return list(session.scalars(stmt.order_by(Invitation.id)))

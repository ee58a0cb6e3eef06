"""Campaigns: an audience with a live count, a template and optional offer, a schedule and throttle, and a random
control group drawn by seed and stored per person; results over a window against that control group.

Launching a campaign only draws and queues (cheap, one bulk insert); the sending step (service/sending.py) issues
each treated person's offer, renders their message and hands it to the messaging domain.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from fractions import Fraction

from sqlalchemy.orm import Session

from ...core import clock, stats
from ...core.errors import InvalidInput, NotFound
from ...insights import service as insights
from ...staff.service import Actor, audit
from .. import repository, rules
from ..models.audience import (
    EXACT_BELOW,
    PILOT_SIZE,
    SAMPLE_SIZE,
    Audience,
    Estimate,
    estimate,
    needs_scores,
    parse_audience,
    plan_sample,
)
from ..tables import CareCampaign
from .base import CareError, check_name, check_share
from .delivery import PURPOSE
from .templates import get_template

OFFER_KINDS = ("none", "coupon", "points")
BATCH = 5_000


def _run(session: Session, shop, audience: Audience) -> tuple[int | None, bool]:
    """(the analysis run the scores come from, whether it is this shop's own run)."""
    if not needs_scores(audience):
        return None, False
    run = insights.latest_run(session, shop.code) or insights.latest_run(session)
    if run is None:
        raise NotFound("analysis_not_found", "audience: segment, stage, recency, P(alive) and CLV need a finished "
                       "customer value analysis; run one first", field="audience")
    return run.id, run.shop_id == shop.id


def offers_topic() -> str:
    """The preference-page topic a campaign message belongs to ("offers"): buyers who muted it are left out of
    the audience before the draw, so they are in neither group (messaging would skip them at sending anyway)."""
    from ...messaging.service import topic_of

    return topic_of(PURPOSE["campaign"])


def count(session: Session, shop, data: dict | Audience, *, exact: bool = False) -> dict:
    """The live count of an audience (and the run its scores come from). Over a large customer base a broad
    audience is estimated from a sample and says so (`estimate`, with `low`–`high`, its 95% interval, and the
    sample's size); `exact` counts every customer however long it takes. Launching always uses the exact audience."""
    audience = data if isinstance(data, Audience) else parse_audience(data)
    run_id, own = _run(session, shop, audience)
    scope = {"run_of_shop": own, "muted_topic": offers_topic()}
    bounds = None if exact else repository.customer_ids_range(session)
    sample = plan_sample(bounds, shop.id, SAMPLE_SIZE)
    if sample is not None:
        def look(sample) -> Estimate:
            return estimate(repository.sample_audience(session, shop.id, run_id, audience, ids=sample.ids, **scope),
                            sample)

        if look(sample.first(PILOT_SIZE)).high >= EXACT_BELOW:  # it may be large: the full sample tells
            guess = look(sample)
            if guess.low >= EXACT_BELOW:
                return {"count": guess.count, "estimate": True, "low": guess.low, "high": guess.high,
                        "sampled": guess.sampled, "run_id": run_id}
    return {"count": repository.count_audience(session, shop.id, run_id, audience, **scope), "estimate": False,
            "run_id": run_id}


def check_offer(offer: dict | None) -> dict:
    """A coupon (amount_off in minor units, min spend, days valid) or points; {} for none."""
    offer = dict(offer or {})
    kind = offer.get("kind") or "none"
    if kind not in OFFER_KINDS:
        raise InvalidInput("invalid_choice", f"offer.kind: '{kind}' is not one of {', '.join(OFFER_KINDS)}",
                           field="offer", values={"value": kind, "choices": ", ".join(OFFER_KINDS)})
    if kind == "none":
        return {}

    def whole(name: str, low: int, default: int | None = None) -> int:
        value = offer.get(name, default)
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise InvalidInput("invalid_number", f"offer.{name}: '{value}' is not a whole number", field=name,
                               values={"value": str(value)}) from None
        if number < low:
            raise InvalidInput("out_of_range", f"offer.{name}: {number} must be at least {low}", field=name)
        return number

    if kind == "coupon":
        return {"kind": "coupon", "amount_off": whole("amount_off", 1), "min_spend_amount":
                whole("min_spend_amount", 0, 0), "days": whole("days", 1, 30)}
    return {"kind": "points", "points": whole("points", 1)}


def save_campaign(session: Session, shop, *, name: str, audience: dict, template_id: int | None, actor: Actor,
                  offer: dict | None = None, control_share=0.1, scheduled_at: datetime | None = None,
                  throttle_per_hour: int | None = None, window_days: int = 14, message_cost_amount: int = 0,
                  campaign_id: int | None = None) -> CareCampaign:
    """Create or change a draft campaign."""
    actor.require("care:write")
    parsed = parse_audience(audience)
    if template_id is None:
        raise InvalidInput("required", "template: choose a message template", field="template")
    template = get_template(session, int(template_id))
    if template.shop_id != shop.id:
        raise NotFound("care_template_not_found", f"template: there is no template {template_id}", field="template")
    if throttle_per_hour is not None and int(throttle_per_hour) < 1:
        raise InvalidInput("out_of_range", "throttle_per_hour: at least 1 message an hour", field="throttle_per_hour")
    if not 1 <= int(window_days) <= 365:
        raise InvalidInput("out_of_range", "window_days: 1–365 days", field="window_days")
    if int(message_cost_amount) < 0:
        raise InvalidInput("out_of_range", "message_cost_amount: not below 0", field="message_cost_amount")
    campaign = get_campaign(session, campaign_id) if campaign_id else None
    if campaign is None:
        campaign = CareCampaign(shop_id=shop.id, status="draft", seed=secrets.token_hex(8), created_at=clock.now(),
                                created_by=actor.label, currency=shop.currency)
        session.add(campaign)
    elif campaign.status not in ("draft", "scheduled"):
        raise CareError("campaign_started", f"campaign: '{campaign.name}' has started; copy it to change it",
                        field="campaign")
    campaign.name = check_name(name, "name")
    campaign.audience, campaign.channel = parsed.as_dict(), parsed.channel
    campaign.template_id, campaign.offer = template.id, check_offer(offer)
    campaign.control_share = check_share(control_share)
    campaign.scheduled_at = clock.as_utc(scheduled_at) if scheduled_at else None
    campaign.status = "scheduled" if scheduled_at else "draft"
    campaign.throttle_per_hour = int(throttle_per_hour) if throttle_per_hour else None
    campaign.window_days, campaign.message_cost_amount = int(window_days), int(message_cost_amount)
    session.flush()
    audit(session, actor, "care.campaign", "care_campaign", campaign.id, {"name": campaign.name})
    return campaign


def get_campaign(session: Session, campaign_id: int) -> CareCampaign:
    """One campaign or NotFound."""
    campaign = session.get(CareCampaign, campaign_id)
    if campaign is None:
        raise NotFound("campaign_not_found", f"campaign: there is no campaign {campaign_id}", field="campaign")
    return campaign


def launch(session: Session, shop, campaign: CareCampaign, *, actor: Actor, now: datetime | None = None) -> dict:
    """Draw the control group and queue everyone (idempotent: launching twice queues nobody twice)."""
    actor.require("care:write")
    if campaign.status in ("sent", "cancelled"):
        raise CareError("campaign_finished", f"campaign: '{campaign.name}' is {campaign.status}", field="campaign")
    now = now or clock.now()
    start = max(now, campaign.scheduled_at or now)
    audience = parse_audience(campaign.audience)
    run_id, own = _run(session, shop, audience)
    ids = repository.audience_ids(session, shop.id, run_id, audience, run_of_shop=own, muted_topic=offers_topic())
    per_hour = campaign.throttle_per_hour
    queued = treated = 0
    rows = []
    for customer_id in ids:
        bucket = stats.control_bucket(customer_id, campaign.seed)
        control = bucket < campaign.control_share
        send_after = start
        if not control:
            if per_hour:
                send_after = start + timedelta(hours=treated / per_hour)
            treated += 1
        rows.append({"shop_id": shop.id, "source": "campaign", "source_id": campaign.id, "occasion": "campaign",
                     "customer_id": customer_id, "grp": "control" if control else "treatment", "bucket": bucket,
                     "status": "control" if control else "queued", "channel": campaign.channel, "points": 0,
                     "detail": {}, "queued_at": start, "send_after": send_after})
        if len(rows) >= BATCH:
            queued += repository.insert_recipients(session, rows)
            rows = []
    queued += repository.insert_recipients(session, rows)
    campaign.status = "sending"
    campaign.started_at = campaign.started_at or start
    campaign.audience_size = len(ids)
    session.flush()
    audit(session, actor, "care.campaign_launch", "care_campaign", campaign.id,
          {"audience": len(ids), "queued": queued})
    return {"audience": len(ids), "queued": queued, "treatment": treated, "control": len(ids) - treated}


def cancel(session: Session, campaign: CareCampaign, *, actor: Actor) -> CareCampaign:
    """Stop a campaign: what is still queued is held, never sent."""
    actor.require("care:write")
    for row in repository.recipients_of(session, "campaign", campaign.id, status="queued"):
        row.status, row.reason = "held", "campaign_cancelled"
    campaign.status, campaign.finished_at = "cancelled", clock.now()
    session.flush()
    audit(session, actor, "care.campaign_cancel", "care_campaign", campaign.id)
    return campaign


def progress(session: Session, campaign: CareCampaign) -> dict:
    """People by group and status."""
    counts = repository.group_counts(session, "campaign", campaign.id)
    out = {"treatment": 0, "control": 0, "queued": 0, "sent": 0, "skipped": 0, "failed": 0, "held": 0}
    for (grp, status), n in counts.items():
        out[grp] += n
        if status in out:
            out[status] += n
    out["done"] = out["sent"] + out["skipped"] + out["failed"] + out["held"]
    return out


REASON_LABELS = ("care.reason", "messaging.reason")


def not_sent(session: Session, campaign: CareCampaign, locale: str) -> list[dict]:
    """Why treated people were not sent (or are still waiting), in the reader's words, with how many."""
    from ...messaging.service import reason_words

    return [{"status": status, "reason": reason, "words": reason_words(reason, locale, REASON_LABELS), "people": n}
            for status, reason, n in repository.reason_counts(session, "campaign", campaign.id)]


def uplift_report(session: Session, source: str, source_id: int, *, window_days: int, cost_minor: int,
                  occasion: str | None = None, seed: int = 0, resamples: int = 2000) -> dict | None:
    """Conversion and revenue per person, treatment vs control (intention to treat: everyone drawn), with 95%
    intervals, incremental revenue, cost and return; None while a group is empty."""
    rows = repository.revenue_in_window(session, source, source_id, window_days=window_days, occasion=occasion)
    treated = [rev for _, grp, rev, _ in rows if grp == "treatment"]
    control = [rev for _, grp, rev, _ in rows if grp == "control"]
    if not treated or not control:
        return None
    treated_conv = sum(1 for _, grp, _, n in rows if grp == "treatment" and n > 0)
    control_conv = sum(1 for _, grp, _, n in rows if grp == "control" and n > 0)
    report = rules.campaign_uplift(treated, control, treated_converted=treated_conv, control_converted=control_conv,
                                   cost_minor=cost_minor, seed=seed, resamples=resamples)
    conv, rev = report.conversion, report.revenue
    return {
        "treated": conv.treated, "control": conv.control, "window_days": window_days,
        "treated_rate": conv.treated_rate, "control_rate": conv.control_rate,
        "conversion_uplift": conv.uplift.estimate, "conversion_low": conv.uplift.low,
        "conversion_high": conv.uplift.high, "conversion_significant": conv.uplift.significant,
        "treated_revenue_per_person": float(rev.treated_mean_minor),
        "control_revenue_per_person": float(rev.control_mean_minor),
        "revenue_uplift": float(rev.uplift_minor), "revenue_low": rev.uplift_low_minor,
        "revenue_high": rev.uplift_high_minor, "revenue_significant": rev.significant,
        "incremental_revenue": float(rev.incremental_minor), "incremental_low": rev.incremental_low_minor,
        "incremental_high": rev.incremental_high_minor, "cost": cost_minor,
        "roi": float(report.roi) if report.roi is not None else None, "roi_low": report.roi_low,
        "roi_high": report.roi_high, "verdict": report.verdict,
        "plain": plain_words(conv.uplift.significant, rev.significant),
    }


def plain_words(conversion_significant: bool, revenue_significant: bool) -> str:
    """The label key of the sentence a seller reads under the figures."""
    if conversion_significant and revenue_significant:
        return "care.result.both"
    if conversion_significant or revenue_significant:
        return "care.result.partly"
    return "care.result.not_significant"


def campaign_cost(session: Session, campaign: CareCampaign) -> int:
    """Coupons redeemed + points given (valued by the loyalty program) + messages sent × cost per message."""
    from ...loyalty.service import active

    sent = repository.recipients_of(session, "campaign", campaign.id, status="sent")
    codes = [r.coupon_code for r in sent if r.coupon_code]
    points = sum(r.points for r in sent)
    program = active(session, campaign.shop_id)
    per_100 = program.config.points_value_per_100 if program else 0
    points_cost = int(Fraction(points * per_100, 100))
    return repository.coupon_cost(session, codes, campaign.shop_id) + points_cost + \
        len(sent) * campaign.message_cost_amount


def results(session: Session, campaign: CareCampaign, *, resamples: int = 2000) -> dict:
    """The campaign's progress and its uplift report over its window."""
    cost = campaign_cost(session, campaign)
    seed = int(campaign.seed[:8], 16) if campaign.seed else 0
    return {"campaign_id": campaign.id, "progress": progress(session, campaign),
            "uplift": uplift_report(session, "campaign", campaign.id, window_days=campaign.window_days,
                                    cost_minor=cost, seed=seed, resamples=resamples)}


def latest_finished(session: Session, shop_ids: list[int]) -> CareCampaign | None:
    """The campaign that finished sending last among these shops (the home page's uplift card)."""
    return repository.latest_finished_campaign(session, shop_ids)

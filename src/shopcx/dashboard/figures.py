"""The loop's figures for one shop or all shops, each read through the owning domain's service (the same call as
the domain's own page, so the two never disagree), with its trend, the date it was computed for and its page.

A figure whose source has no data yet is left out: the home page has no empty cards.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from ..care.service import callbacks as care_calls
from ..care.service import campaigns as care_campaigns
from ..core import clock
from ..desk.reports import service as desk_reports
from ..desk.service import promises as desk_promises
from ..desk.service.views import TicketFilter
from ..desk.service.views import search as ticket_search
from ..insights import service as insights
from ..loyalty import service as loyalty
from ..loyalty.service import reports as loyalty_reports
from ..messaging import service as messaging
from ..reviews import service as reviews
from ..shops.models import Shop
from ..surveys import service as surveys

TREND_WEEKS = 12
FAILED_SEND_DAYS = 7
UPLIFT_RESAMPLES = 1000  # as the campaign page draws its interval: the same seed and resamples, the same numbers


@dataclass
class Figure:
    """One card: the value in its unit ('share' 0–1, 'nps' −100…100, 'score' 1–5, 'count', 'money' {currency:
    minor units}), the value before (for the arrow), a short trend, the benchmark, and what it links to."""

    key: str
    value: float | int | dict | None
    unit: str
    as_of: str
    href: str
    permission: str
    previous: float | int | None = None
    trend: list[float | None] = field(default_factory=list)
    benchmark: float | None = None
    higher_is_better: bool | None = True  # None: neither (a liability, a count to watch)
    n: int | None = None  # how many observations behind the value
    detail: list[dict] = field(default_factory=list)  # rows behind the figure (funnel stages, tier mix)
    target: float | None = None
    interval: list[float] | None = None  # a 95% interval around the value (campaign uplift), in its unit

    @property
    def status(self) -> str | None:
        """'met' or 'missed' against the owner's target (None: no target or not comparable)."""
        if self.target is None or not isinstance(self.value, int | float) or self.higher_is_better is None:
            return None
        met = self.value >= self.target if self.higher_is_better else self.value <= self.target
        return "met" if met else "missed"

    def as_dict(self) -> dict:
        return {"key": self.key, "value": self.value, "unit": self.unit, "as_of": self.as_of, "href": self.href,
                "previous": self.previous, "trend": self.trend, "benchmark": self.benchmark, "n": self.n,
                "higher_is_better": self.higher_is_better, "target": self.target, "status": self.status,
                "detail": self.detail, "interval": self.interval}


def _shop_query(one: Shop | None) -> str:
    return f"?shop={one.id}" if one is not None else ""


def _reviews(session: Session, shops: list[Shop], one: Shop | None, today: date) -> list[Figure]:
    """好评率 over the 180-day window and its weekly trend; the three DSR dimensions against their benchmark."""
    total, good = 0, 0
    weekly: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    dims: dict[str, list] = defaultdict(lambda: [0.0, 0, 0.0, 0, None])  # Σmean·n, n, Σprev·n, prev n, benchmark
    for shop in shops:
        counts = reviews.class_counts(session, shop)
        if not counts["total"]:
            continue
        total, good = total + counts["total"], good + counts["good"]
        end = clock.today_in(shop.timezone)
        trend = reviews.good_rate_trend(session, shop, start=end - timedelta(weeks=TREND_WEEKS) + timedelta(days=1),
                                        end=end, period="week")
        for point in trend["points"]:
            weekly[point["period"]][0] += point["good"]
            weekly[point["period"]][1] += point["total"]
        now, before = (reviews.dsr_summary(session, shop),
                       reviews.dsr_summary(session, shop, as_of=end - timedelta(days=28)))
        for dim, old in zip(now["dimensions"], before["dimensions"], strict=True):
            row = dims[dim["dimension"]]
            if dim["count"]:
                row[0] += dim["mean"] * dim["count"]
                row[1] += dim["count"]
                row[4] = dim["benchmark"] if len(shops) == 1 else None
            if old["count"]:
                row[2] += old["mean"] * old["count"]
                row[3] += old["count"]
    if not total:
        return []
    q = _shop_query(one)
    series = [g / n if n else None for g, n in (weekly[k] for k in sorted(weekly))]
    found = [Figure("good_rate", good / total, "share", today.isoformat(), f"/reviews/dashboard{q}", "reviews:read",
                    previous=next((v for v in reversed(series[:-1]) if v is not None), None), trend=series, n=total)]
    for dim, (weighted, n, old_weighted, old_n, benchmark) in dims.items():
        if n:
            found.append(Figure(f"dsr_{dim}", round(weighted / n, 3), "score", today.isoformat(),
                                f"/reviews/dashboard{q}", "reviews:read",
                                previous=round(old_weighted / old_n, 3) if old_n else None, benchmark=benchmark, n=n))
    return found


def _desk(session: Session, shops: list[Shop], one: Shop | None, today: date) -> list[Figure]:
    """Open tickets (the backlog), SLA compliance (met / decided clocks over 90 days) and complaint recovery
    (complainants who bought again), from the desk's own report call (the desk reports page draws the same)."""
    shop_id = one.id if one is not None else None
    ever = ticket_search(session, TicketFilter(shop_id=shop_id), limit=1)[1]
    if not ever:
        return []
    backlog = ticket_search(session, TicketFilter(shop_id=shop_id, status="active"), limit=1)[1]
    met = missed = complainants = returned = 0
    for shop in shops:
        rep = desk_reports.report(session, shop, days=90)
        for row in rep.sla.values():
            met, missed = met + row["met"], missed + row["missed"]
        for n, again, _ in rep.recovery.buckets.values():
            complainants, returned = complainants + n, returned + again
    q = f"?shop={one.code}" if one is not None else ""
    found = [Figure("backlog", backlog, "count", today.isoformat(), f"/desk{q}", "desk:read", higher_is_better=False)]
    if met + missed:
        found.append(Figure("sla_compliance", met / (met + missed), "share", today.isoformat(),
                            f"/desk/reports{q}", "desk:read", n=met + missed))
    if complainants:
        found.append(Figure("complaint_recovery", returned / complainants, "share", today.isoformat(),
                            f"/desk/reports{q}", "desk:read", n=complainants))
    return found


def _insights(session: Session, shops: list[Shop], one: Shop | None, today: date) -> list[Figure]:
    """Repurchase rate, the lifecycle funnel and the value at stake, from the latest finished analysis run."""
    run = insights.latest_run(session, one.code if one is not None else None)
    if run is None:
        return []
    life = insights.lifecycle(session, run)
    overview = insights.value_overview(session, run)
    previous = insights.previous_run(session, run)
    before = insights.value_overview(session, previous) if previous is not None and previous.status == "done" \
        else None
    as_of, href = run.as_of_on.isoformat(), f"/insights?run={run.id}"
    rate = (life["repurchase"] or {}).get("rate")
    found = []
    if (life["repurchase"] or {}).get("buyers"):
        found.append(Figure("repurchase_rate", rate, "share", as_of, href, "customers:read",
                            previous=(before or {}).get("repurchase", {}).get("rate"),
                            n=life["repurchase"]["buyers"]))
    if any(s["customers"] for s in life["stages"]):
        moved = sum(m["customers"] for m in life["movements"] if m["from"] != m["to"])
        found.append(Figure("lifecycle", sum(s["customers"] for s in life["stages"]), "count", as_of,
                            f"/insights/lifecycle?run={run.id}", "customers:read", higher_is_better=None,
                            previous=moved, detail=life["stages"]))
    stake = overview["totals"].get("value_at_stake_amount", 0)
    if stake:
        found.append(Figure("value_at_stake", {run.currency: stake}, "money", as_of, f"/insights/at-risk?run={run.id}",
                            "customers:read", higher_is_better=False,
                            previous=(before or {}).get("totals", {}).get("value_at_stake_amount")))
    return found


def _loyalty(session: Session, shops: list[Shop], one: Shop | None, today: date) -> list[Figure]:
    """Points liability in money and the members per tier, over every shop's active program."""
    liability: dict[str, int] = defaultdict(int)
    tiers: dict[str, dict] = {}
    members, as_of, first = 0, None, None
    for shop in shops:
        program = loyalty.active(session, shop.id)
        if program is None:
            continue
        report = loyalty_reports.liability(session, program, today=clock.today_in(shop.timezone))
        first = first or shop
        as_of = report["as_of"]
        members += report["members"]
        liability[report["currency"]] += report["total"]["value_amount"]
        for row in report["tiers"]:
            entry = tiers.setdefault(row["code"] or "", {**row, "members": 0})
            entry["members"] += row["members"]
    if not members:
        return []
    q = f"?shop={(one or first).id}"
    return [Figure("points_liability", dict(liability), "money", as_of, f"/loyalty/liability{q}", "loyalty:read",
                   higher_is_better=None, n=members),
            Figure("tier_mix", members, "count", as_of, f"/loyalty{q}", "loyalty:read", higher_is_better=None,
                   detail=list(tiers.values()))]


def _surveys(session: Session, shops: list[Shop], one: Shop | None, today: date) -> list[Figure]:
    """NPS and CSAT of the buyers' survey with the most answers for each (eNPS is staff's, shown apart)."""
    best: dict[str, tuple[int, object, object]] = {}
    for survey, answered in surveys.list_surveys(session, [s.id for s in shops]):
        if not answered or survey.kind == "enps":
            continue
        for key, measure in surveys.headline_measures(session, survey).items():
            if key in ("nps", "csat") and measure.n and measure.n > best.get(key, (0,))[0]:
                best[key] = (measure.n, measure, survey)
    found = []
    for key, (n, measure, survey) in best.items():
        found.append(Figure(key, measure.value, "nps" if key == "nps" else "share", today.isoformat(),
                            f"/surveys/{survey.id}", "surveys:read", n=n))
    return found


def _index(session: Session, shops: list[Shop], one: Shop | None, today: date) -> list[Figure]:
    """The satisfaction index (0–100) of the ECSI survey with the most answers, when its PLS model is estimated
    (the survey page's own index by wave; a survey that falls back to a plain mean is not an ECSI index)."""
    best = None
    for survey, answered in surveys.list_surveys(session, [s.id for s in shops]):
        if survey.kind != "ecsi" or not answered or (best is not None and answered <= best[0]):
            continue
        method, waves = surveys.index_by_wave(session, survey)
        if method == "pls" and waves:
            best = (answered, survey, waves)
    if best is None:
        return []
    _, survey, waves = best
    return [Figure("satisfaction_index", round(waves[-1].index, 1), "index", today.isoformat(),
                   f"/surveys/{survey.id}", "surveys:read", n=waves[-1].n,
                   previous=round(waves[-2].index, 1) if len(waves) > 1 else None,
                   trend=[round(w.index, 1) for w in waves])]


def _promises(session: Session, shops: list[Shop], one: Shop | None, today: date) -> list[Figure]:
    """Open promises due by the end of today (shop-local) and those already past due, from the desk's register
    (shown once the register has any promise)."""
    shop_id = one.id if one is not None else None
    made = desk_promises.keeping(session, shop_id)["shop"]
    if not made["kept"] + made["broken"] + made["open"]:
        return []
    tz = (one or shops[0]).timezone
    _, due = desk_promises.open_due(session, shop_id, clock.to_utc(datetime.combine(today + timedelta(days=1),
                                                                                    time()), tz), limit=0)
    _, overdue = desk_promises.open_due(session, shop_id, clock.now(), limit=0)
    href = "/desk/promises" + (f"?shop={one.code}" if one is not None else "")
    return [Figure("promises_due", due, "count", today.isoformat(), href, "desk:read", higher_is_better=None),
            Figure("promises_overdue", overdue, "count", today.isoformat(), href, "desk:read",
                   higher_is_better=False)]


def _callbacks(session: Session, shops: list[Shop], one: Shop | None, today: date) -> list[Figure]:
    """Open call tasks (回访: VIPs, large orders, resolved complaints) due by each shop's today, from the callbacks
    list's own call; shown while the shop has any open task."""
    due = planned = 0
    for shop in shops:
        due += care_calls.due_list(session, shop_id=shop.id, today=clock.today_in(shop.timezone), user_id=None,
                                   limit=0)[1]
        planned += care_calls.due_list(session, shop_id=shop.id, today=date.max, user_id=None, limit=0)[1]
    if not planned:
        return []
    href = "/care/callbacks?mine=0" + (f"&shop={one.code}" if one is not None else "")
    return [Figure("callbacks_due", due, "count", today.isoformat(), href, "callbacks:work", higher_is_better=None,
                   n=planned)]


def failed_sends(session: Session, shops: list[Shop], one: Shop | None, today: date | None = None) -> list[Figure]:
    """Messages that did not arrive in the last 7 days (refused when sent or bounced later), in the scope of the page
    (one shop or all); the card links to the message log with the same filter and scope (messaging.pages.log_scope),
    and today's list reads this."""
    ids = [s.id for s in shops]
    if not sum(messaging.status_counts(session, ids).values()):
        return []
    since = clock.now() - timedelta(days=FAILED_SEND_DAYS)
    _, failed = messaging.list_messages(session, shop_ids=ids, status="undelivered", failed_since=since, limit=0)
    href = f"/messages?status=undelivered&days={FAILED_SEND_DAYS}" + (f"&shop={one.id}" if one is not None else "")
    today = today or clock.today_in(one.timezone if one is not None else shops[0].timezone)
    return [Figure("failed_sends", failed, "count", today.isoformat(), href, "messaging:read",
                   higher_is_better=False)]


def _uplift(session: Session, shops: list[Shop], one: Shop | None, today: date) -> list[Figure]:
    """Incremental revenue of the campaign that finished last, against its control group, with the 95% interval
    (the campaign page's own results call)."""
    campaign = care_campaigns.latest_finished(session, [s.id for s in shops])
    if campaign is None:
        return []
    report = care_campaigns.results(session, campaign, resamples=UPLIFT_RESAMPLES)["uplift"]
    if report is None:
        return []
    return [Figure("campaign_uplift", {campaign.currency: round(report["incremental_revenue"])}, "money",
                   today.isoformat(), f"/care/campaigns/{campaign.id}", "care:read",
                   n=report["treated"] + report["control"],
                   interval=[report["incremental_low"], report["incremental_high"]])]


COLLECTORS: tuple[Callable[..., list[Figure]], ...] = (_index, _surveys, _reviews, _desk, _promises, _callbacks,
                                                       failed_sends, _insights, _uplift, _loyalty)
ORDER = ("satisfaction_index", "nps", "csat", "good_rate", "dsr_description", "dsr_service", "dsr_logistics",
         "sla_compliance", "backlog", "promises_due", "promises_overdue", "callbacks_due", "failed_sends",
         "complaint_recovery", "repurchase_rate", "campaign_uplift", "value_at_stake", "lifecycle", "tier_mix",
         "points_liability")


def visible(found: list[Figure], *, can: Callable[[str], bool], targets: dict[str, float] | None) -> list[Figure]:
    """The figures a viewer may see, with the owner's targets, in the loop's order."""
    shown = [dataclasses.replace(f, target=(targets or {}).get(f.key)) for f in found if can(f.permission)]
    rank = {key: i for i, key in enumerate(ORDER)}
    return sorted(shown, key=lambda f: rank.get(f.key, len(ORDER)))


def figures(session: Session, shops: list[Shop], one: Shop | None, *, can: Callable[[str], bool],
            targets: dict[str, float] | None = None) -> list[Figure]:
    """Every figure the viewer may see, for one shop (one) or all (one None), in the loop's order."""
    today = clock.today_in(one.timezone) if one is not None else clock.today_in(shops[0].timezone) if shops \
        else clock.now().date()
    chosen = [one] if one is not None else shops
    found: list[Figure] = []
    for collect in COLLECTORS:
        found.extend(collect(session, chosen, one, today))
    return visible(found, can=can, targets=targets)

"""Campaigns on the database: the live count, the seeded control group stored per person, idempotent queuing,
sending with a coupon through loyalty, and the uplift report over the window."""

import math
from datetime import datetime, timedelta, timezone

import pytest

from shopcx.care import service as care
from shopcx.care.tables import CareRecipient
from shopcx.core import clock, stats
from shopcx.core.errors import InvalidInput
from shopcx.staff.service import SYSTEM

from ..factories import make_order
from ..loyalty.factories import make_program
from .factories import buyer, collect, template

T0 = datetime(2026, 5, 4, 2, 0, tzinfo=timezone.utc)


def _shop_with_buyers(session, n=40, **consent):
    shop, _ = make_program(session)
    with clock.frozen_at(T0 - timedelta(days=30)):
        for i in range(n):
            data = buyer(i, consents={"email": i % 4 != 0})
            make_order(session, shop, customer=data, placed_at=T0 - timedelta(days=30))
    return shop


def test_count_needs_consent_and_names_bad_fields(session):
    shop = _shop_with_buyers(session)
    assert care.count(session, shop, {"channel": "email"})["count"] == 30  # 10 of 40 never consented
    assert care.count(session, shop, {"channel": "email", "consent": False})["count"] == 40
    with pytest.raises(InvalidInput) as err:
        care.count(session, shop, {"segments": ["Whales"]})
    assert err.value.field == "segments"
    with pytest.raises(InvalidInput) as err:
        care.count(session, shop, {"p_alive_min": 0.9, "p_alive_max": 0.2})
    assert err.value.field == "p_alive_min"


def test_launch_draws_the_stored_seeded_control_group_once(session):
    shop = _shop_with_buyers(session)
    tpl = template(session, shop)
    campaign = care.save_campaign(session, shop, name="Spring", audience={"channel": "email"}, template_id=tpl.id,
                                  actor=SYSTEM, control_share=0.25)
    first = care.launch(session, shop, campaign, actor=SYSTEM, now=T0)
    again = care.launch(session, shop, campaign, actor=SYSTEM, now=T0)
    assert (first["audience"], first["queued"], again["queued"]) == (30, 30, 0)
    rows = session.query(CareRecipient).filter_by(source="campaign", source_id=campaign.id).all()
    assert len(rows) == 30
    for row in rows:  # each person's group is the seeded draw, stored with its bucket
        assert row.bucket == stats.control_bucket(row.customer_id, campaign.seed)
        assert (row.grp == "control") == (row.bucket < 0.25)
        assert row.status == ("control" if row.grp == "control" else "queued")
    assert first["control"] == sum(r.grp == "control" for r in rows)


def test_send_issues_coupon_once_renders_the_real_name_and_never_messages_control(session):
    shop = _shop_with_buyers(session, n=8)
    tpl = template(session, shop)
    campaign = care.save_campaign(session, shop, name="Coupon", audience={"channel": "email"}, template_id=tpl.id,
                                  actor=SYSTEM, control_share=0.0, offer={"kind": "coupon", "amount_off": 1000})
    care.launch(session, shop, campaign, actor=SYSTEM, now=T0)
    sent, deliver = collect()
    with clock.frozen_at(T0 + timedelta(minutes=1)):
        counts = care.send_due(session, deliver)
        again = care.send_due(session, deliver)
    assert counts == {"sent": 6} and again == {}
    assert len(sent) == 6
    for _, subject, body in sent:
        assert "顾客" in subject and "t***1" not in body and "券码 " in body
    codes = {r.coupon_code for r in session.query(CareRecipient).filter_by(source_id=campaign.id)}
    assert len(codes) == 6 and None not in codes


def test_template_errors_are_stored_on_the_row_and_named(session):
    shop = _shop_with_buyers(session, n=4)
    tpl = template(session, shop, body_zh="{{ (coupon_code | length) / 0 }}", body_en="x")
    campaign = care.save_campaign(session, shop, name="Broken", audience={"channel": "email"}, template_id=tpl.id,
                                  actor=SYSTEM, control_share=0.0)
    care.launch(session, shop, campaign, actor=SYSTEM, now=T0)
    sent, deliver = collect()
    with clock.frozen_at(T0 + timedelta(minutes=1)):
        assert care.send_due(session, deliver) == {"failed": 3}
    assert sent == []
    reasons = {r.reason for r in session.query(CareRecipient).filter_by(source_id=campaign.id)}
    assert reasons == {"template_error: zh.body: ZeroDivisionError: division by zero"}
    with pytest.raises(InvalidInput) as err:
        template(session, shop, code="bad", body_zh="{{ nickname }}")
    assert err.value.code == "template_unknown_variable" and "nickname" in err.value.message


def test_results_compare_treatment_and_control_over_the_window(session):
    shop = _shop_with_buyers(session, n=80)
    tpl = template(session, shop)
    campaign = care.save_campaign(session, shop, name="Uplift", audience={"channel": "email"}, template_id=tpl.id,
                                  actor=SYSTEM, control_share=0.3, window_days=7)
    care.launch(session, shop, campaign, actor=SYSTEM, now=T0)
    rows = session.query(CareRecipient).filter_by(source_id=campaign.id).all()
    treated = [r for r in rows if r.grp == "treatment"]
    control = [r for r in rows if r.grp == "control"]
    # Every treated person buys ¥100 inside the window, nobody in control does; one order after the window counts
    # for nothing.
    for r in treated:
        make_order(session, shop, customer=buyer(_index(session, r.customer_id)), placed_at=T0 + timedelta(days=2),
                   lines=[{"sku": "A", "name": "A", "quantity": 1, "unit_price_amount": 10_000}])
    make_order(session, shop, customer=buyer(_index(session, control[0].customer_id)),
               placed_at=T0 + timedelta(days=9))
    report = care.results(session, campaign, resamples=500)["uplift"]
    assert report["treated"] == len(treated) and report["control"] == len(control)
    assert report["treated_rate"] == 1.0 and report["control_rate"] == 0.0
    assert report["treated_revenue_per_person"] == 10_000 and report["control_revenue_per_person"] == 0
    assert report["incremental_revenue"] == 10_000 * len(treated)
    assert report["conversion_significant"] and report["plain"] == "care.result.both"


def _index(session, customer_id):
    from shopcx.customers.models import CustomerIdentity

    ext = session.query(CustomerIdentity.external_id).filter_by(customer_id=customer_id).scalar()
    return int(ext.rsplit("-", 1)[1])


def test_audience_reads_the_shops_latest_analysis(session):
    from datetime import date

    from shopcx.customers.models import CustomerIdentity
    from shopcx.insights.tables import AnalysisRun, CustomerScore

    shop = _shop_with_buyers(session, n=8)  # buyers 1–3 and 5–7 consented (every fourth did not)
    ids = dict(session.query(CustomerIdentity.external_id, CustomerIdentity.customer_id)
               .filter(CustomerIdentity.external_id.like("care-buyer-%")).all())
    run = AnalysisRun(shop_id=shop.id, as_of_on=date(2026, 5, 3), currency="CNY", status="done", started_at=T0,
                      finished_at=T0, customers=8, params={}, figures={})
    session.add(run)
    session.flush()
    for n in range(8):
        session.add(CustomerScore(run_id=run.id, customer_id=ids[f"care-buyer-{n}"], stage="at_risk" if n < 4
                                  else "repeat", segment="At risk" if n % 2 else "Champions", r_score=3, f_score=3,
                                  m_score=3, recency_days=10 * n, orders=2, monetary_amount=1000, p_alive=n / 10,
                                  expected_purchases=0.5, expected_order_amount=1000, clv_amount=1000 * n,
                                  churn_risk=1 - n / 10, value_at_stake_amount=100 * n))
    session.flush()
    # At risk = odd buyers 1, 3, 5, 7 (all consented); P(alive) ≤ 0.3 → 1, 3; stage at_risk and CLV ≥ 2000 → 2, 3.
    assert care.count(session, shop, {"segments": ["At risk"]})["count"] == 4
    assert care.count(session, shop, {"segments": ["At risk"], "p_alive_max": 0.3})["count"] == 2
    assert care.count(session, shop, {"stages": ["at_risk"], "clv_min_amount": 2000})["count"] == 2
    assert care.count(session, shop, {"last_order_min_days": 40, "consent": False})["count"] == 4


def _customer_of(session, n):
    from shopcx.customers.models import Customer, CustomerIdentity

    cid = session.query(CustomerIdentity.customer_id).filter_by(external_id=f"care-buyer-{n}").scalar()
    return session.get(Customer, cid)


def test_buyers_who_muted_offers_are_in_neither_group(session):
    from shopcx.customers import service as customers

    shop = _shop_with_buyers(session, n=8)  # buyers 1–3 and 5–7 consented to e-mail (every fourth did not)
    customers.set_preferences(session, _customer_of(session, 2), {"muted_topics": ["offers"]})
    customers.set_preferences(session, _customer_of(session, 6), {"muted_topics": ["surveys", "offers"]})
    customers.set_preferences(session, _customer_of(session, 4), {"muted_topics": ["offers"]})  # no consent anyway
    customers.set_preferences(session, _customer_of(session, 3), {"muted_topics": ["care"]})  # birthdays, not offers
    customers.set_preferences(session, _customer_of(session, 5), {"language": "en", "note": "offers"})
    # By hand: consented 1, 2, 3, 5, 6, 7 minus the two who muted offers (2, 6) = 1, 3, 5, 7; without the consent
    # condition all 8 minus 2, 4, 6 = 5.
    assert care.count(session, shop, {"channel": "email"}) == {"count": 4, "estimate": False, "run_id": None}
    assert care.count(session, shop, {"channel": "email", "consent": False})["count"] == 5
    tpl = template(session, shop)
    campaign = care.save_campaign(session, shop, name="Offers", audience={"channel": "email"}, template_id=tpl.id,
                                  actor=SYSTEM, control_share=0.5)
    drawn = care.launch(session, shop, campaign, actor=SYSTEM, now=T0)
    rows = session.query(CareRecipient).filter_by(source="campaign", source_id=campaign.id).all()
    expected = {_customer_of(session, n).id for n in (1, 3, 5, 7)}
    assert drawn["audience"] == 4 and {r.customer_id for r in rows} == expected
    # Left out before the draw: everyone else keeps the group their seeded bucket gives, whatever it is.
    for row in rows:
        assert (row.grp == "control") == (stats.control_bucket(row.customer_id, campaign.seed) < 0.5)
    assert drawn["treatment"] + drawn["control"] == 4


def test_a_broad_audience_over_many_customers_is_an_estimate_labelled_as_one(session, monkeypatch):
    from shopcx.care.models import audience as model
    from shopcx.care.service import campaigns

    shop = _shop_with_buyers(session, n=80)  # buyer i consented unless i % 4 == 0: 60 of 80
    for name, value in (("EXACT_BELOW", 20), ("PILOT_SIZE", 10), ("SAMPLE_SIZE", 30)):
        monkeypatch.setattr(campaigns, name, value)
    monkeypatch.setattr(model, "EXACT_BELOW", 20)
    ids = {_customer_of(session, n).id: n for n in range(80)}
    bounds = (min(ids), max(ids))
    sample = model.plan_sample(bounds, shop.id, 30)
    hits = sum(1 for cid in sample.ids if cid in ids and ids[cid] % 4 != 0)
    share = stats.wilson_interval(hits, 30)
    span = bounds[1] - bounds[0] + 1
    got = care.count(session, shop, {"channel": "email"})
    assert got == {"count": round(hits / 30 * span), "estimate": True, "low": math.floor(share.low * span),
                   "high": math.ceil(share.high * span), "sampled": 30, "run_id": None}
    assert got["low"] <= 60 <= got["high"]  # the true count inside its interval
    assert care.count(session, shop, {"channel": "email"}, exact=True) == {"count": 60, "estimate": False,
                                                                         "run_id": None}
    # A small audience is always counted exactly (nobody is tagged "none").
    assert care.count(session, shop, {"channel": "agent", "tags": ["none"]}) == {"count": 0, "estimate": False,
                                                                               "run_id": None}

"""Today's list: key customers newly at risk, kept per pair of analysis runs (dashboard/at_risk.py), and the reviews
in it read as the inbox's first rows without counting the rest."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from shopcx.core import clock
from shopcx.customers import service as customers
from shopcx.dashboard import at_risk, attention
from shopcx.dashboard.models import HomeAtRisk, HomeSnapshot
from shopcx.insights import service as insights
from shopcx.insights.tables import AnalysisRun, CustomerScore
from shopcx.privacy import erasure
from shopcx.reviews import service as reviews
from shopcx.staff.service import Actor

from ..factories import make_order, make_shop
from ..reviews.helpers import order, record
from .test_home import NOW

OWNER = Actor(label="user:owner1", role="owner")
EVERYTHING = {"can": lambda _p: True}
AS_OF = date(2026, 3, 19)
# stage in the run before, stage and value at stake (yuan) in the latest run; None: not scored in that run.
SCORES = {"安": ("repeat", "at_risk", 500), "白": ("at_risk", "at_risk", 900), "陈": ("repeat", "at_risk", 300),
          "丁": ("first_time", "repeat", 0), "鄂": (None, "at_risk", 700), "冯": ("repeat", "at_risk", 100)}
# Worked by hand: the at-risk page lists 白 900, 鄂 700, 安 500, 陈 300, 冯 100; 白 was at risk before and 鄂 was
# not scored before, so the newly at risk are 安, 陈, 冯 in that order.
NEWLY = [("安", 50_000), ("陈", 30_000), ("冯", 10_000)]


def _run(session, shop, as_of: date, stages: dict[str, int]) -> AnalysisRun:
    run = AnalysisRun(shop_id=shop.id, as_of_on=as_of, currency="CNY", status="done", started_at=NOW,
                      finished_at=NOW, customers=sum(stages.values()), params={},
                      figures={"stages": stages, "repurchase": None})
    session.add(run)
    session.flush()
    return run


def _score(session, run: AnalysisRun, customer_id: int, stage: str, stake_yuan: int) -> None:
    session.add(CustomerScore(run_id=run.id, customer_id=customer_id, stage=stage, segment="At risk", r_score=1,
                              f_score=2, m_score=3, recency_days=90, orders=2, monetary_amount=20_000, p_alive=0.3,
                              expected_purchases=0.2, expected_order_amount=10_000, clv_amount=stake_yuan * 200,
                              churn_risk=0.7, next_purchase_on=None, value_at_stake_amount=stake_yuan * 100))


@pytest.fixture
def two_runs(session):
    """A shop whose six buyers were scored in two runs as in SCORES; returns (shop, ids by name, latest, before)."""
    shop = make_shop(session, code="risk", name="风险店")
    session.flush()
    ids = {name: make_order(session, shop, customer={"source": "taobao", "external_id": f"risk-{name}",
                                                     "name": name}, placed_at=NOW - timedelta(days=90)).customer_id
           for name in SCORES}
    before = _run(session, shop, AS_OF - timedelta(days=7), {"repeat": 3, "at_risk": 1, "first_time": 1})
    latest = _run(session, shop, AS_OF, {"at_risk": 5, "repeat": 1})
    for name, (stage_before, stage_now, stake) in SCORES.items():
        if stage_before is not None:
            _score(session, before, ids[name], stage_before, stake)
        _score(session, latest, ids[name], stage_now, stake)
    session.flush()
    return shop, ids, latest, before


def _newly(session, shop):
    with clock.frozen_at(NOW):
        return [(i.title, i.vars["amount"], i.href) for i in attention.attention(session, [shop], shop, **EVERYTHING)
                if i.kind == "newly_at_risk"]


def test_newly_at_risk_are_the_at_risk_pages_rows_that_had_another_stage_before(session, two_runs):
    shop, ids, latest, _ = two_runs
    page, _ = insights.at_risk(session, latest)
    assert [r["name"] for r in page] == ["白", "鄂", "安", "陈", "冯"]  # the insights page's order
    assert _newly(session, shop) == [(n, a, f"/customers/{ids[n]}") for n, a in NEWLY]


def test_the_list_is_kept_per_pair_of_runs_and_not_computed_again(session, two_runs, monkeypatch):
    shop, ids, latest, before = two_runs
    assert _newly(session, shop) == [(n, a, f"/customers/{ids[n]}") for n, a in NEWLY]
    kept = session.scalar(select(HomeAtRisk).where(HomeAtRisk.run_id == latest.id))
    assert kept.previous_run_id == before.id
    assert kept.customers == [[ids[n], a] for n, a in NEWLY]

    def recomputed(*_a, **_k):
        raise AssertionError("a kept pair of runs was compared again")

    monkeypatch.setattr(insights, "lifecycle", recomputed)
    monkeypatch.setattr(insights, "at_risk", recomputed)
    assert _newly(session, shop) == [(n, a, f"/customers/{ids[n]}") for n, a in NEWLY]


def test_a_renamed_or_erased_customer_shows_as_they_are_now(session, two_runs):
    shop, ids, _, _ = two_runs
    assert [t for t, _, _ in _newly(session, shop)] == ["安", "陈", "冯"]  # kept now
    customers.get_customer(session, ids["安"]).name = "安然"
    session.flush()
    erasure.erase_customer(session, ids["陈"], actor=OWNER, confirmed=True)
    assert [t for t, _, _ in _newly(session, shop)] == ["安然", f"#{ids['陈']}", "冯"]


def test_a_new_run_is_compared_with_the_one_before_it(session, two_runs):
    shop, ids, latest, before = two_runs
    assert len(_newly(session, shop)) == 3
    # A week later 丁 is at risk too (the only one newly so), 安 is back to repeat.
    newer = _run(session, shop, AS_OF + timedelta(days=7), {"at_risk": 5, "repeat": 1})
    for name, (_, stage_now, stake) in SCORES.items():
        stage = {"丁": "at_risk", "安": "repeat"}.get(name, stage_now)
        _score(session, newer, ids[name], stage, 400 if name == "丁" else stake)
    session.flush()
    assert _newly(session, shop) == [("丁", 40_000, f"/customers/{ids['丁']}")]
    pairs = set(session.execute(select(HomeAtRisk.run_id, HomeAtRisk.previous_run_id)).all())
    assert pairs == {(latest.id, before.id), (newer.id, latest.id)}


def test_no_previous_run_or_nobody_newly_at_risk_no_item(session, two_runs):
    shop, _, latest, before = two_runs
    session.delete(before)
    session.flush()
    assert _newly(session, shop) == []
    assert session.scalar(select(HomeAtRisk.id)) is None  # no pair to keep


def test_the_worker_keeps_the_pairs_of_viewed_scopes(session, two_runs):
    shop, ids, latest, before = two_runs
    assert at_risk.warm() == 0  # nobody viewed the shop's home page: nothing to prepare
    session.add(HomeSnapshot(scope=f"shop:{shop.id}", day=AS_OF, computed_at=NOW, compute_ms=900, content={}))
    session.flush()
    with clock.frozen_at(NOW):
        assert at_risk.warm() == 1
        assert at_risk.warm() == 0
    kept = session.scalar(select(HomeAtRisk).where(HomeAtRisk.run_id == latest.id,
                                                   HomeAtRisk.previous_run_id == before.id))
    assert kept.customers == [[ids[n], a] for n, a in NEWLY]


@pytest.mark.parametrize("rating_class", ["bad", "neutral", None])
def test_the_inbox_head_is_the_inbox_first_page(session, rating_class):
    shop = make_shop(session, code="inbox", name="收件店")
    session.flush()
    # Reviews on different days (cases due at different times), two on the same day, one 差评 replied (no action).
    for day, stars in ((12, 1), (10, 3), (14, 2), (10, 1), (11, 3), (13, 5), (15, 1), (9, 3)):
        with clock.frozen_at(datetime(2026, 3, day, 2, 0, tzinfo=NOW.tzinfo)):
            found = record(session, shop, order(session, shop), stars=stars, text=f"第{day}天",
                           reviewed_at=datetime(2026, 3, day, 2, 0, tzinfo=NOW.tzinfo))
            if day == 15:
                reviews.reply(session, found, "抱歉，马上处理", actor=OWNER)
    with clock.frozen_at(NOW):
        page, total, _ = reviews.inbox(session, shop_id=shop.id, rating_class=rating_class, limit=3)
        head = reviews.inbox_head(session, shop_id=shop.id, rating_class=rating_class, limit=3)
    assert [(e.review.id, e.action, e.revision_due_at, e.overdue) for e in head] == \
        [(e.review.id, e.action, e.revision_due_at, e.overdue) for e in page]
    assert len(head) == 3 and total >= 3
    if rating_class == "bad":  # the earliest deadlines first: the 差评 of the 10th, 12th and 14th
        assert [e.review.text for e in head] == ["第10天", "第12天", "第14天"]

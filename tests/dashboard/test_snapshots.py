# ruff: noqa: F811  (the home tests' fixture is imported below and used as a test argument)
"""The home page's kept figures: computed on every view for a quick shop; for a slow one, kept, marked stale by the
outbox or by age, and recomputed by the worker, the page saying when they were computed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shopcx.core import clock, jobs
from shopcx.core.settings import get_settings
from shopcx.dashboard import snapshots
from shopcx.dashboard.pages import home_context

from ..reviews.helpers import order, record
from .test_home import NOW, loop_shop  # noqa: F401  (the fixture)


def _good_rate(home):
    return next(f.value for f in home.figures if f.key == "good_rate")


def _one_more_bad_review(session, shop):
    record(session, shop, order(session, shop), stars=1, text="盖子又漏了")
    session.flush()


def test_a_quick_shop_is_computed_on_every_view(session, loop_shop, monkeypatch):
    monkeypatch.setattr(get_settings(), "home_quick_ms", 60_000)  # quick however loaded the machine is
    with clock.frozen_at(NOW):
        assert _good_rate(snapshots.home(session, [loop_shop], loop_shop)) == pytest.approx(0.75)
        _one_more_bad_review(session, loop_shop)
        again = snapshots.home(session, [loop_shop], loop_shop)
    assert _good_rate(again) == pytest.approx(0.6) and not again.refreshing


def test_a_slow_shop_shows_its_kept_figures_until_the_worker_recomputes_what_the_outbox_marked(
        session, loop_shop, monkeypatch):
    monkeypatch.setattr(get_settings(), "home_quick_ms", 0)  # every computation counts as slow
    with clock.frozen_at(NOW):
        first = snapshots.home(session, [loop_shop], loop_shop)
        _one_more_bad_review(session, loop_shop)
        kept = snapshots.home(session, [loop_shop], loop_shop)
        # The kept figures, not yet known to be stale: 3 positive of 4, as computed at NOW.
        assert _good_rate(kept) == pytest.approx(0.75) and not kept.refreshing and kept.computed_at == NOW
        jobs.dispatch_outbox()  # review_received marks the shop's snapshot (and the all-shops one) stale
        stale = snapshots.home(session, [loop_shop], loop_shop)
        assert _good_rate(stale) == pytest.approx(0.75) and stale.refreshing
    later = NOW + timedelta(minutes=1)
    with clock.frozen_at(later):
        assert snapshots.refresh_stale() == 1
        fresh = snapshots.home(session, [loop_shop], loop_shop)
        assert snapshots.refresh_stale() == 0
    assert _good_rate(first) == pytest.approx(0.75)
    assert _good_rate(fresh) == pytest.approx(0.6) and not fresh.refreshing and fresh.computed_at == later


def test_a_kept_snapshot_goes_stale_with_age_and_with_the_day(session, loop_shop, monkeypatch):
    monkeypatch.setattr(get_settings(), "home_quick_ms", 0)
    with clock.frozen_at(NOW):
        snapshots.home(session, [loop_shop], loop_shop)
    with clock.frozen_at(NOW + snapshots.MAX_AGE - timedelta(seconds=1)):
        assert not snapshots.home(session, [loop_shop], loop_shop).refreshing
    with clock.frozen_at(NOW + snapshots.MAX_AGE + timedelta(seconds=1)):
        assert snapshots.home(session, [loop_shop], loop_shop).refreshing
        assert snapshots.refresh_stale() == 1
        assert not snapshots.home(session, [loop_shop], loop_shop).refreshing
    # NOW is 10:00 in Shanghai: 14 hours later it is the next day there, whatever the age.
    with clock.frozen_at(NOW + timedelta(hours=14)):
        snapshots.refresh_stale()
        kept = snapshots.home(session, [loop_shop], loop_shop)
    assert next(f for f in kept.figures if f.key == "good_rate").as_of == "2026-03-21"


def test_kept_figures_are_filtered_for_each_viewer_and_carry_the_targets(session, loop_shop, monkeypatch):
    from shopcx.dashboard import targets
    from shopcx.staff.service import Actor

    monkeypatch.setattr(get_settings(), "home_quick_ms", 0)
    with clock.frozen_at(NOW):
        everything = home_context(session, lambda p: True, str(loop_shop.id))
        targets.set_target(session, loop_shop.id, "good_rate", 0.9, actor=Actor(label="user:owner", role="owner"))
        reviews_only = home_context(session, lambda p: p == "reviews:read", str(loop_shop.id))
    assert {"good_rate", "backlog", "points_liability"} <= {f.key for f in everything["figures"]}
    assert [f.key for f in reviews_only["figures"]] == ["good_rate"]
    assert reviews_only["figures"][0].target == 0.9 and reviews_only["figures"][0].status == "missed"

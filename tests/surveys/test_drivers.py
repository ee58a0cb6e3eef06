"""Driver analysis: hand-worked measures by segment, delivery status, 0–100 performance, IPA from PLS total
effects; and a survey's answers joined to the orders, shipments, tickets and reviews behind them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopcx.core import clock
from shopcx.staff.service import SYSTEM
from shopcx.surveys import rules, service
from shopcx.surveys.models import drivers
from shopcx.surveys.tables import Answer, Response

from ..factories import make_order, make_shop

NOW = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def test_nps_by_carrier_worked_by_hand():
    # SF: 10, 9, 8, 3 → 2 promoters, 1 detractor of 4 = +25; YTO: 6, 5, 10 → 1 − 2 of 3 = −33.3;
    # all seven: 3 promoters, 3 detractors → 0; one answer without a carrier counts only in the whole (then −12.5)
    rows = [("SF", 10), ("SF", 9), ("SF", 8), ("SF", 3), ("YTO", 6), ("YTO", 5), ("YTO", 10), (None, 2)]
    sf, yto = drivers.by_segment(rows, rules.nps)
    assert (sf.segment, sf.measure.n, sf.measure.value) == ("SF", 4, pytest.approx(25.0))
    assert (yto.segment, yto.measure.n, yto.measure.value) == ("YTO", 3, pytest.approx(-100 / 3))
    assert sf.versus_all == pytest.approx(25.0 - (-12.5)) and yto.versus_all == pytest.approx(-100 / 3 + 12.5)
    assert drivers.by_segment(rows, rules.nps, min_answers=4) == [sf]
    assert drivers.by_segment([], rules.nps) == []


def test_csat_by_segment_is_the_share_of_four_and_five():
    (on_time, late) = drivers.by_segment([("late", 2), ("late", 4), ("on_time", 5), ("on_time", 4),
                                          ("on_time", 3)], rules.csat)
    assert on_time.segment == "on_time" and on_time.measure.value == pytest.approx(2 / 3)
    assert late.measure.value == pytest.approx(0.5) and late.versus_all == pytest.approx(0.5 - 3 / 5)


def test_delivery_status():
    promised = datetime(2026, 11, 3, 12, tzinfo=UTC)
    assert drivers.delivery_status(promised, promised + timedelta(minutes=1), False) == "late"
    assert drivers.delivery_status(promised, promised, False) == "on_time"
    assert drivers.delivery_status(promised, promised - DAY, True) == "damaged"
    assert drivers.delivery_status(None, promised, False) is None
    assert drivers.delivery_status(promised, None, False) is None


def test_performance_on_a_hundred_and_importance_from_total_effects():
    assert drivers.to_hundred(4.0, (1, 5)) == 75.0 and drivers.to_hundred(7.5, (1, 10)) == pytest.approx(72.2222, 1e-4)
    effects = [("IMAG", "EXPE", 0.58), ("IMAG", "SAT", 0.39), ("VAL", "SAT", 0.59), ("SAT", "LOY", 0.50),
               ("EXPE", "SAT", 0.07)]
    assert drivers.effects_importance(effects, "SAT") == {"IMAG": 0.39, "VAL": 0.59, "EXPE": 0.07}
    with pytest.raises(service.InvalidInput):
        drivers.effects_importance(effects, "QUAL")


def test_fix_first_worked_by_hand():
    # means: importance (.5 + .3 + .1 + .4) / 4 = .325, performance (80 + 60 + 40 + 50) / 4 = 57.5
    # a keep up; b (.3 < .325, 60 ≥ 57.5) possible overkill; c low priority; d (.4, 50) concentrate here
    # gaps to the best (80): b 20, c 40, d 30 → priority b 6, c 4, d 12 → fix d, b, c
    grid = drivers.fix_first({"a": 80, "b": 60, "c": 40, "d": 50}, {"a": .5, "b": .3, "c": .1, "d": .4})
    quadrant = {i.name: i.quadrant for i in grid.items}
    assert quadrant == {"a": rules.KEEP_UP, "b": rules.POSSIBLE_OVERKILL, "c": rules.LOW_PRIORITY,
                        "d": rules.CONCENTRATE_HERE}
    assert [i.name for i in grid.fix_first] == ["d", "b", "c"]
    assert [round(i.priority, 6) for i in grid.fix_first] == [12.0, 6.0, 4.0]


@pytest.fixture
def shop(session):
    return make_shop(session, code="svdrv")


def _answered(session, survey, order, scores: dict, wave="2026-11"):
    version = service.published(session, survey)
    response = Response(shop_id=survey.shop_id, survey_id=survey.id, version_id=version.id,
                        customer_id=order.customer_id if order else None, order_id=order.id if order else None,
                        wave=wave, locale="zh", partial=False, anonymous=False, source="link", started_at=NOW,
                        updated_at=NOW, submitted_at=NOW)
    session.add(response)
    session.flush()
    session.add_all(Answer(response_id=response.id, question=k, value=v, score=float(v)) for k, v in scores.items())
    session.flush()
    return response


def _order(session, shop, carrier, *, late=False, damaged=False, product="保温杯", category="厨具"):
    promised = datetime(2026, 11, 3, tzinfo=UTC)
    return make_order(session, shop, status="delivered", shipments=[{
        "carrier": carrier, "shipped_at": promised - 2 * DAY, "promised_at": promised,
        "delivered_at": promised + (DAY if late else -DAY), "damaged": damaged}],
        lines=[{"sku": product, "name": product, "category": category, "quantity": 1, "unit_price_amount": 100}])


def test_csat_by_carrier_delivery_product_and_agent_from_the_orders(session, shop):
    from shopcx.desk import service as desk
    from shopcx.staff import service as staff

    survey = service.create_from_preset(session, shop.id, "csat_delivery", actor=SYSTEM)
    service.publish(session, survey, actor=SYSTEM)
    plan = [("SF", False, False, "保温杯", 5), ("SF", False, False, "保温杯", 4), ("SF", True, False, "茶叶", 2),
            ("YTO", True, False, "茶叶", 1), ("YTO", False, True, "茶叶", 2), ("YTO", False, False, "保温杯", 4)]
    agent = staff.create_user(session, username="agent9", password="x" * 12, role="agent", display_name="小李")
    with clock.frozen_at(NOW):
        for n, (carrier, late, damaged, product, score) in enumerate(plan):
            order = _order(session, shop, carrier, late=late, damaged=damaged, product=product,
                           category="茶" if product == "茶叶" else "厨具")
            _answered(session, survey, order, {"csat": score, "delivery": score, "packaging": 4})
            if n == 3:
                ticket = desk.create_ticket(session, shop, channel="phone", subject="慢", body="太慢了", actor=SYSTEM,
                                            order=order.id, assign=False)
                ticket.owner_id = agent.id
        session.flush()
        found = service.segments(session, survey, with_people=False)
    by = {kind: {s.segment: (s.measure.n, round(s.measure.value, 4)) for s in rows} for kind, rows in found.items()}
    assert by["carrier"] == {"SF": (3, round(2 / 3, 4)), "YTO": (3, round(1 / 3, 4))}
    assert by["delivery"] == {"on_time": (3, 1.0), "late": (2, 0.0), "damaged": (1, 0.0)}
    assert by["product"] == {"保温杯": (3, 1.0), "茶叶": (3, 0.0)}
    assert by["category"] == {"厨具": (3, 1.0), "茶": (3, 0.0)}
    assert by["agent"] == {"小李": (1, 0.0)} and by["window"] == {"2026-11": (6, 0.5)}


def test_ipa_by_regression_on_the_overall_item(session, shop):
    survey = service.create_from_preset(session, shop.id, "csat_delivery", actor=SYSTEM)
    service.publish(session, survey, actor=SYSTEM)
    # csat follows delivery closely and packaging a little: delivery is the more important driver
    answers = [(5, 5, 4), (4, 4, 5), (2, 1, 4), (1, 1, 3), (3, 3, 5), (4, 5, 2), (2, 2, 3), (5, 4, 4)]
    for csat, delivery, packaging in answers:
        _answered(session, survey, None, {"csat": csat, "delivery": delivery, "packaging": packaging})
    outcome = service.ipa_for(session, survey)
    assert outcome.source == "regression"
    expected = rules.derived_importance([a[0] for a in answers], {"delivery": [a[1] for a in answers],
                                                                   "packaging": [a[2] for a in answers]})
    items = {i.name: i for i in outcome.ipa.items}
    assert items["delivery"].importance == pytest.approx(expected["delivery"])
    assert items["delivery"].importance > items["packaging"].importance
    assert items["delivery"].performance == pytest.approx((25 / 8 - 1) / 4 * 100)
    assert items["packaging"].performance == pytest.approx((30 / 8 - 1) / 4 * 100)


def test_a_change_between_two_chosen_waves_with_its_test(session, shop):
    survey = service.create_from_preset(session, shop.id, "nps", actor=SYSTEM)
    service.publish(session, survey, actor=SYSTEM)
    waves = {"2026-09": [10, 10, 9, 9, 8, 2], "2026-10": [3, 4, 5, 10, 6, 2], "2026-11": [10, 9, 9, 10, 9, 10]}
    for wave, scores in waves.items():
        for score in scores:
            _answered(session, survey, None, {"nps": score}, wave=wave)
    latest = service.wave_changes(session, survey)["nps"]
    assert (latest.before, latest.after) == ("2026-10", "2026-11")
    chosen = service.wave_changes(session, survey, before="2026-09", after="2026-11")["nps"]
    assert (chosen.before, chosen.after) == ("2026-09", "2026-11")
    # 2026-09: 4 promoters, 1 detractor of 6 = +50; 2026-11: all promoters = +100
    assert chosen.change.difference == pytest.approx(50.0)
    assert chosen.change == rules.compare_nps(waves["2026-09"], waves["2026-11"])
    assert service.wave_changes(session, survey, before="2026-09", after="2027-01") == {}

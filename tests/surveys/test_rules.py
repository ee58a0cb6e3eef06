"""Survey measures against hand-worked examples: CSAT, NPS, CES, SERVQUAL, the index, IPA, wave changes."""

import math

import pytest

from shopcx.core.errors import InvalidInput
from shopcx.surveys import rules


def test_csat_share_of_4_and_5_with_wilson_interval():
    # 4–5 answers: 5, 4, 5, 4, 4, 5 → 6 of 10. Wilson 6/10 (by hand): 0.312674 to 0.831820.
    measure = rules.csat([5, 4, 3, 2, 1, 5, 4, 4, 3, 5])
    assert (measure.value, measure.n, measure.unit) == (0.6, 10, "share")
    assert (measure.low, measure.high) == (pytest.approx(0.312674, abs=1e-6), pytest.approx(0.831820, abs=1e-6))


def test_nps_in_points_with_interval():
    # Promoters 10, 9, 9, 10, 9 (5); passives 8, 7 (2); detractors 6, 5, 0 (3): NPS = 50% − 30% = 20 points.
    # Var = (0.5 + 0.3 − 0.2²)/10 = 0.076; ± z·√0.076 = ± 0.540325 → −34.03 to 74.03 points.
    measure = rules.nps([10, 9, 9, 8, 7, 6, 5, 0, 10, 9])
    assert (measure.value, measure.n, measure.unit) == (pytest.approx(20), 10, "points")
    assert (measure.low, measure.high) == (pytest.approx(-34.0325, abs=1e-4), pytest.approx(74.0325, abs=1e-4))
    assert rules.nps_counts([10, 9, 9, 8, 7, 6, 5, 0, 10, 9]) == (5, 2, 3)


@pytest.mark.parametrize(("score", "group"), [(0, "detractor"), (6, "detractor"), (7, "passive"), (8, "passive"),
                                              (9, "promoter"), (10, "promoter")])
def test_nps_groups(score, group):
    assert rules.nps_group(score) == group


def test_detractor_rules():
    assert rules.is_csat_detractor(1) and rules.is_csat_detractor(2)
    assert not rules.is_csat_detractor(3)
    # Threshold −1: strictly below counts; exactly −1 does not.
    assert rules.is_servqual_detractor(-1.5) and not rules.is_servqual_detractor(-1.0)
    assert rules.is_servqual_detractor(-0.5, threshold=0)


def test_ces_mean_with_t_interval():
    # 1..7: mean 4, s = √(28/6) = 2.160247, se = 0.816497, t(0.975; 6) = 2.446912 → ± 1.997895.
    measure = rules.ces([1, 2, 3, 4, 5, 6, 7])
    assert (measure.value, measure.unit) == (4, "mean")
    assert (measure.low, measure.high) == (pytest.approx(2.002105, abs=1e-5), pytest.approx(5.997895, abs=1e-5))
    assert math.isnan(rules.ces([5]).low)


@pytest.mark.parametrize(("call", "field"), [
    (lambda: rules.nps([10, 11]), "nps"), (lambda: rules.csat([0]), "csat"), (lambda: rules.ces([8]), "ces"),
    (lambda: rules.csat([4.5]), "csat"), (lambda: rules.csat([True]), "csat"), (lambda: rules.nps([]), "nps"),
    (lambda: rules.csat(["5"]), "csat"), (lambda: rules.nps_group(-1), "nps")])
def test_bad_scores_name_the_field(call, field):
    with pytest.raises(InvalidInput) as err:
        call()
    assert err.value.field == field


def test_out_of_range_message_names_the_answer():
    with pytest.raises(InvalidInput) as err:
        rules.nps([10, 9, 11], field="q3")
    assert err.value.code == "score_out_of_range" and "answer 3 is 11" in err.value.message


DIMENSION_OF = {"T1": "tangibles", "T2": "tangibles", "R1": "reliability", "S1": "responsiveness",
                "A1": "assurance", "E1": "empathy"}
PAIRS = {  # (expectation, perception) on 1–7
    "T1": [(6, 5), (7, 6)],  # gaps −1, −1 → −1
    "T2": [(5, 5), (6, 7)],  # 0, +1 → 0.5
    "R1": [(7, 4), (7, 5)],  # −3, −2 → −2.5
    "S1": [(6, 6)],          # 0
    "A1": [(5, 6), (5, 7)],  # +1, +2 → 1.5
    "E1": [(6, 5)],          # −1
}


def test_servqual_gaps_by_hand():
    result = rules.servqual(PAIRS, DIMENSION_OF, importance={"tangibles": 10, "reliability": 30,
                                                             "responsiveness": 20, "assurance": 20, "empathy": 20})
    assert result.items == {"T1": -1, "T2": 0.5, "R1": -2.5, "S1": 0, "A1": 1.5, "E1": -1}
    # tangibles = (−1 + 0.5)/2 = −0.25
    assert result.dimensions == {"tangibles": -0.25, "reliability": -2.5, "responsiveness": 0, "assurance": 1.5,
                                 "empathy": -1}
    # (−0.25 − 2.5 + 0 + 1.5 − 1)/5 = −0.45
    assert result.overall == pytest.approx(-0.45)
    # (10·−0.25 + 30·−2.5 + 20·0 + 20·1.5 + 20·−1)/100 = (−2.5 − 75 + 30 − 20)/100 = −0.675
    assert result.weighted == pytest.approx(-0.675)
    assert result.answers["T1"] == 2


def test_servqual_respondent_gap_and_bad_input():
    # One respondent: tangibles (6, 5) → −1, reliability (7, 4) → −3; overall (−1 − 3)/2 = −2: a detractor.
    gap = rules.respondent_gap({"T1": (6, 5), "R1": (7, 4)}, DIMENSION_OF)
    assert gap == -2 and rules.is_servqual_detractor(gap)
    with pytest.raises(InvalidInput) as err:
        rules.servqual({"T1": [(6, 8)]}, DIMENSION_OF)
    assert err.value.field == "T1.perception"
    with pytest.raises(InvalidInput) as err:
        rules.servqual({"X1": [(6, 6)]}, DIMENSION_OF)
    assert err.value.field == "X1"
    with pytest.raises(InvalidInput) as err:
        rules.servqual(PAIRS, DIMENSION_OF, importance={"tangibles": 1})
    assert err.value.code == "missing_weight"


def test_satisfaction_index_by_hand():
    # Means 8, 7, 9 on 1–10, equal weights: (24 − 1·3)/((10 − 1)·3) × 100 = 21/27 × 100 = 77.78.
    assert rules.satisfaction_index({"s1": 8, "s2": 7, "s3": 9}) == pytest.approx(2100 / 27)
    # Weights 0.5, 0.3, 0.2: (4 + 2.1 + 1.8 − 1)/9 × 100 = 76.67.
    assert rules.satisfaction_index({"s1": 8, "s2": 7, "s3": 9},
                                    weights={"s1": 0.5, "s2": 0.3, "s3": 0.2}) == pytest.approx(690 / 9)
    # 1–5 items with means 4.2 and 3.8: (8 − 2)/(4·2) × 100 = 75.
    assert rules.satisfaction_index({"a": 4.2, "b": 3.8}, scale=(1, 5)) == pytest.approx(75)
    assert rules.satisfaction_index({"a": 1, "b": 1}) == 0
    assert rules.satisfaction_index({"a": 10}) == 100
    with pytest.raises(InvalidInput) as err:
        rules.satisfaction_index({"a": 11})
    assert err.value.field == "a"
    with pytest.raises(InvalidInput) as err:
        rules.satisfaction_index({"a": 5, "b": 6}, weights={"a": 1})
    assert err.value.field == "b"


def test_derived_importance_by_hand():
    # x1 = 3, 3, 1, 1 and x2 = 3, 1, 3, 1 are uncorrelated with equal sd √(4/3); overall = 2·x1 + x2 + 1.
    # Raw coefficients 2 and 1; sd(overall) = √(20/3) = √5·√(4/3), so the standardised ones are 2/√5 and 1/√5.
    x1, x2 = [3, 3, 1, 1] * 2, [3, 1, 3, 1] * 2
    overall = [2 * a + b + 1 for a, b in zip(x1, x2, strict=True)]
    raw = rules.derived_importance(overall, {"quality": x1, "logistics": x2}, standardized=False)
    assert raw == {"quality": pytest.approx(2), "logistics": pytest.approx(1)}
    standard = rules.derived_importance(overall, {"quality": x1, "logistics": x2})
    assert standard == {"quality": pytest.approx(2 / math.sqrt(5)), "logistics": pytest.approx(1 / math.sqrt(5))}
    with pytest.raises(InvalidInput) as err:
        rules.derived_importance(overall, {"quality": x1, "copy": x1})
    assert err.value.code == "collinear_drivers"
    with pytest.raises(InvalidInput) as err:
        rules.derived_importance(overall, {"quality": x1[:3]})
    assert err.value.field == "quality"


PERFORMANCE = {"quality": 4.5, "description": 3.6, "service": 4.4, "logistics": 3.2, "security": 3.9}
IMPORTANCE = {"quality": 0.40, "description": 0.35, "service": 0.10, "logistics": 0.30, "security": 0.05}


def test_ipa_quadrants_at_the_means_and_fix_first():
    # Mean importance 1.2/5 = 0.24, mean performance 19.6/5 = 3.92.
    grid = rules.ipa(PERFORMANCE, IMPORTANCE)
    assert (grid.importance_cut, grid.performance_cut) == (pytest.approx(0.24), pytest.approx(3.92))
    quadrants = {item.name: item.quadrant for item in grid.items}
    assert quadrants == {"quality": rules.KEEP_UP, "description": rules.CONCENTRATE_HERE,
                         "service": rules.POSSIBLE_OVERKILL, "logistics": rules.CONCENTRATE_HERE,
                         "security": rules.LOW_PRIORITY}
    # Gap to the best (4.5) × importance: logistics 1.3·0.30 = 0.39, description 0.9·0.35 = 0.315,
    # security 0.6·0.05 = 0.03, service 0.1·0.10 = 0.01; quality has no gap.
    assert [item.name for item in grid.fix_first] == ["logistics", "description", "security", "service"]
    assert [item.priority for item in grid.fix_first] == pytest.approx([0.39, 0.315, 0.03, 0.01])
    assert rules.QUADRANT_LABELS[rules.CONCENTRATE_HERE] == "concentrate here"


def test_ipa_with_given_cuts_counts_the_line_as_high():
    grid = rules.ipa(PERFORMANCE, IMPORTANCE, cuts=(0.30, 3.5))
    quadrants = {item.name: item.quadrant for item in grid.items}
    assert quadrants["logistics"] == rules.CONCENTRATE_HERE  # importance exactly on the cut: high
    assert quadrants["description"] == rules.KEEP_UP
    assert quadrants["security"] == rules.POSSIBLE_OVERKILL
    with pytest.raises(InvalidInput) as err:
        rules.ipa(PERFORMANCE, {"quality": 1})
    assert err.value.field == "description"


def test_csat_change_significant():
    # 70/100 → 85/100: Newcombe's interval for +0.15 (Wilson bounds of each wave, by hand) is 0.034108 to 0.261486;
    # pooled z = 0.15/√(0.775·0.225·0.02) = 2.5400, p = 0.0111.
    change = rules.compare_csat([5] * 70 + [2] * 30, [4] * 85 + [3] * 15)
    assert change.difference == pytest.approx(15)
    assert (change.low, change.high) == (pytest.approx(3.4108, abs=1e-4), pytest.approx(26.1486, abs=1e-4))
    assert change.p_value == pytest.approx(0.01109, abs=1e-5)
    assert change.significant and change.direction == "up"
    assert change.verdict == ("CSAT rose from 70.0% to 85.0% (+15.0 points, 95% interval +3.4 to +26.1): "
                              "significant at 95%: the interval excludes 0.")


def test_csat_change_not_significant():
    # 70/100 → 75/100: Newcombe −0.073396 to 0.171426: includes 0.
    change = rules.compare_csat([5] * 70 + [1] * 30, [5] * 75 + [1] * 25)
    assert (change.low, change.high) == (pytest.approx(-7.3396, abs=1e-4), pytest.approx(17.1426, abs=1e-4))
    assert not change.significant
    assert "not significant at 95%: the interval includes 0" in change.verdict


def test_nps_change_in_points():
    # (50, 30, 20) → (60, 25, 15) out of 100: +15 points, interval −6.09 to +36.09 (see the stats test by hand).
    before = [10] * 50 + [8] * 30 + [3] * 20
    after = [9] * 60 + [7] * 25 + [0] * 15
    change = rules.compare_nps(before, after)
    assert (change.before.value, change.after.value) == (pytest.approx(30), pytest.approx(45))
    assert (change.low, change.high) == (pytest.approx(-6.0867, abs=1e-4), pytest.approx(36.0867, abs=1e-4))
    assert change.p_value == pytest.approx(0.16325, abs=1e-5)
    assert change.verdict.startswith("NPS rose from 30.0 to 45.0 (+15.0 points, 95% interval -6.1 to +36.1): not")


def test_ces_change_uses_welch():
    # Before 1..5 (mean 3), after 2, 4, 6 (mean 4): +1, se 1.354006, df 3.532847 (the Welch example by hand).
    change = rules.compare_ces([1, 2, 3, 4, 5], [2, 4, 6])
    assert change.difference == pytest.approx(1)
    assert change.direction == "up" and not change.significant
    flat = rules.compare_means([3, 4, 5], [5, 4, 3], scale=(1, 5), name="DSR")
    assert flat.direction == "flat" and flat.verdict.startswith("DSR stayed at 4.00 (+0.00")
    with pytest.raises(InvalidInput) as err:
        rules.compare_ces([1, 2], [2, 9])
    assert err.value.field == "after"

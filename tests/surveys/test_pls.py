"""PLS path modelling against R plspm's results on the ECSI `satisfaction` data (../shared/data/ecsi_satisfaction).

Every reference value is matched within a relative 1e-5; values near zero (the exogenous redundancies, R² and
the centred scores) get an absolute floor of 1e-8, since a relative bound means nothing at 0.
"""

from __future__ import annotations

import copy
import csv
import json
import math
import os

import numpy as np
import pytest

from shopcx.core.errors import InvalidInput
from shopcx.surveys.models import pls

RTOL, ATOL = 1e-5, 1e-8
BLOCKS = ("IMAG", "EXPE", "QUAL", "VAL", "SAT", "LOY")
PATHS = [["IMAG", "EXPE"], ["IMAG", "SAT"], ["IMAG", "LOY"], ["EXPE", "QUAL"], ["EXPE", "VAL"], ["EXPE", "SAT"],
         ["QUAL", "VAL"], ["QUAL", "SAT"], ["VAL", "SAT"], ["SAT", "LOY"]]
SIZES = {"IMAG": 5, "EXPE": 5, "QUAL": 5, "VAL": 4, "SAT": 4, "LOY": 4}
# The data's README says 1–10, but the file holds answers of 0 (e.g. sat1), so the scale is 0–10.
ECSI_SPEC = {
    "blocks": {b: {"items": [f"{b.lower()}{i}" for i in range(1, SIZES[b] + 1)], "mode": "A"} for b in BLOCKS},
    "paths": PATHS, "scheme": "centroid", "scaled": False, "index": "SAT", "scale": [0, 10],
}

# R plspm's outer weights and loadings for the same model under the factorial and path schemes, as stored beside
# the data's source (GoogleCloudPlatform/plspm-python, tests/data/satisfaction.outer-model-{factorial,path}.csv).
R_FACTORIAL = {
    "imag1": (0.0982545375897477, 0.709579562555722), "imag2": (0.157603829359382, 0.877650530033183),
    "imag3": (0.157271399165454, 0.842312903983941), "imag4": (0.0766051139521016, 0.569450000842037),
    "imag5": (0.183715073052855, 0.777670513144494), "expe1": (0.106456195681037, 0.765829962387182),
    "expe2": (0.140666601142957, 0.837407735764608), "expe3": (0.119323668568218, 0.760493632742242),
    "expe4": (0.0985183299883673, 0.717467172952437), "expe5": (0.138322004783815, 0.837153103927455),
    "qual1": (0.106670170446971, 0.781497773363646), "qual2": (0.134478167196619, 0.881441744489607),
    "qual3": (0.117498232409339, 0.794504244292274), "qual4": (0.0951443895696116, 0.78853508550273),
    "qual5": (0.115791745628894, 0.807401275380418), "val1": (0.174575957905234, 0.864544798086425),
    "val2": (0.118244094401818, 0.796730006569803), "val3": (0.120898501134967, 0.750398574481397),
    "val4": (0.166374404382135, 0.844250646016627), "sat1": (0.166550226780549, 0.919879569484991),
    "sat2": (0.16260074678273, 0.916051214762556), "sat3": (0.121202401577709, 0.8259550050837),
    "sat4": (0.131824636097498, 0.817325794633066), "loy1": (0.158852482428485, 0.906789340022167),
    "loy2": (0.0814752201910471, 0.67071592524707), "loy3": (0.161829921608218, 0.905170501091789),
    "loy4": (0.0802887089500578, 0.681305477044771),
}
R_PATH = {
    "imag1": (0.0982374837495072, 0.70955076789416), "imag2": (0.157615347025361, 0.877671629024529),
    "imag3": (0.157340626997026, 0.842359193682084), "imag4": (0.0765125291238404, 0.569354023449058),
    "imag5": (0.183702432801162, 0.777662796725605), "expe1": (0.106472074048238, 0.765845945253858),
    "expe2": (0.140673451958955, 0.837413503394175), "expe3": (0.119296754177591, 0.760461417953682),
    "expe4": (0.0985110999361921, 0.717466074586617), "expe5": (0.138331924334016, 0.837165208558368),
    "qual1": (0.106688211231029, 0.781515750552344), "qual2": (0.134487900474709, 0.881449200713862),
    "qual3": (0.117468232469162, 0.794471769558678), "qual4": (0.0951526521301759, 0.78854863823007),
    "qual5": (0.115789386247801, 0.807403042453803), "val1": (0.172177324810643, 0.86271564077978),
    "val2": (0.121254528616825, 0.799328099439193), "val3": (0.121818439478709, 0.752589683815716),
    "val4": (0.165654571843956, 0.843047471071002), "sat1": (0.168756177314286, 0.920289506434007),
    "sat2": (0.157704893306817, 0.913547232451711), "sat3": (0.120047692026398, 0.824709653947123),
    "sat4": (0.135884589449262, 0.82088699490331), "loy1": (0.159856955694287, 0.907671852011147),
    "loy2": (0.0803591951846723, 0.669011176703357), "loy3": (0.162545377518156, 0.906017863968373),
    "loy4": (0.0786269581935837, 0.678814311108138),
}


def close(actual, expected, **kw):
    np.testing.assert_allclose(np.asarray(actual, float), np.asarray(expected, float), rtol=RTOL, atol=ATOL, **kw)


@pytest.fixture(scope="module")
def ecsi_dir(shared_data):
    path = shared_data / "ecsi_satisfaction"
    if not (path / "satisfaction.csv").is_file():
        if os.environ.get("SHOPCX_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(f"{path} has no satisfaction.csv and SHOPCX_REQUIRE_SHARED_DATA=1")
        pytest.skip(f"{path} has no satisfaction.csv")
    return path


def read_csv(path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def num(text: str) -> float:
    return math.nan if text == "NA" else float(text)


@pytest.fixture(scope="module")
def ecsi(ecsi_dir) -> dict[str, np.ndarray]:
    header, rows = read_csv(ecsi_dir / "satisfaction.csv")
    return {name: np.array([float(r[i]) for r in rows]) for i, name in enumerate(header) if name not in ("", "gender")}


@pytest.fixture(scope="module")
def result(ecsi) -> pls.PLSResult:
    return pls.estimate(ecsi, ECSI_SPEC)


# ------------------------------------------------------------------------------------------ R plspm's results


def test_headline_figures(result):
    """The README's figures: paths into SAT, R² of SAT and LOY, goodness of fit."""
    for source, value in {"VAL": 0.5893, "IMAG": 0.2007, "QUAL": 0.1221, "EXPE": -0.0028}.items():
        assert round(result.path(source, "SAT"), 4) == value
    r2 = dict(zip(result.lvs, result.r_squared, strict=True))
    assert (round(r2["SAT"], 4), round(r2["LOY"], 4)) == (0.7073, 0.5099)
    # R plspm's GoF to all digits, as asserted by plspm-python's tests/test_regression_metric.py
    assert result.gof == pytest.approx(0.609741624338411, rel=RTOL)


def test_scores(result, ecsi_dir):
    header, rows = read_csv(ecsi_dir / "satisfaction.scores.csv")
    expected = np.array([[float(v) for v in r] for r in rows])
    order = [result.lvs.index(h) for h in header]
    close(result.scores[:, order], expected)
    close(result.scores.std(axis=0), np.ones(6))  # population variance 1, as plspm scales them


def test_outer_model(result, ecsi_dir):
    header, rows = read_csv(ecsi_dir / "satisfaction.outer-model.csv")
    assert header == ["name", "block", "weight", "loading", "communality", "redundancy"]
    at = {name: i for i, name in enumerate(result.items)}
    assert sorted(at) == sorted(r[0] for r in rows)
    for r in rows:
        i = at[r[0]]
        assert result.blocks[i] == r[1]
        close([result.weights[i], result.loadings[i], result.communalities[i], result.redundancies[i]],
              [float(v) for v in r[2:]], err_msg=r[0])


def test_inner_model_of_sat(result, ecsi_dir):
    """The file holds lm()'s coefficient table for SAT without the intercept row."""
    header, rows = read_csv(ecsi_dir / "satisfaction.inner-model.csv")
    assert header[1:] == ["Estimate", "Std. Error", "t value", "Pr(>|t|)"]
    sat = {r.source: r for r in result.inner_model if r.target == "SAT"}
    assert sorted(sat) == sorted(r[0] for r in rows)
    for r in rows:
        got = sat[r[0]]
        close([got.estimate, got.std_error, got.t, got.p], [float(v) for v in r[1:]], err_msg=r[0])


def test_effects(result, ecsi_dir):
    _, rows = read_csv(ecsi_dir / "satisfaction.effects.csv")
    assert [(e.source, e.target) for e in result.effects] == [(r[1], r[2]) for r in rows]
    assert [f"{e.source} -> {e.target}" for e in result.effects] == [r[0] for r in rows]
    close([[e.direct, e.indirect, e.total] for e in result.effects], [[float(v) for v in r[3:]] for r in rows])


def check_inner_summary(res, rows):
    at = {lv: j for j, lv in enumerate(res.lvs)}
    assert sorted(at) == sorted(r[0] for r in rows)
    for r in rows:
        j = at[r[0]]
        assert ("Endogenous" if res.endogenous[j] else "Exogenous") == r[1]
        close([res.r_squared[j], res.block_communality[j], res.mean_redundancy[j], res.ave[j]],
              [num(v) for v in r[2:]], err_msg=r[0], equal_nan=True)


def test_inner_summary(result, ecsi_dir):
    check_inner_summary(result, read_csv(ecsi_dir / "satisfaction.inner-summary.csv")[1])


def test_unidimensionality(result, ecsi_dir):
    _, rows = read_csv(ecsi_dir / "satisfaction_unidim.csv")
    for r in rows:
        j = result.lvs.index(r[0])
        assert (result.model.blocks[r[0]].mode, len(result.model.blocks[r[0]].items)) == (r[1], int(r[2]))
        close([result.cronbach_alpha[j], result.dillon_goldstein_rho[j], result.eig_1st[j], result.eig_2nd[j]],
              [float(v) for v in r[3:]], err_msg=r[0])


def test_crossloadings(result, ecsi_dir):
    header, rows = read_csv(ecsi_dir / "satisfaction.crossloadings.csv")
    cols = [result.lvs.index(h) for h in header[2:]]
    for r in rows:
        i = result.items.index(r[0])
        assert result.blocks[i] == r[1]
        close(result.crossloadings[i, cols], [float(v) for v in r[2:]], err_msg=r[0])


def test_mode_b_inner_summary(ecsi, ecsi_dir):
    """Every block formative (Mode B), centroid, unscaled: R plspm's inner summary (AVE is NA for Mode B)."""
    spec = copy.deepcopy(ECSI_SPEC)
    for block in spec["blocks"].values():
        block["mode"] = "B"
    res = pls.estimate(ecsi, spec)
    check_inner_summary(res, read_csv(ecsi_dir / "satisfaction.modeb.inner-summary.csv")[1])
    assert np.isnan(res.cronbach_alpha).all() and np.isnan(res.ave).all()


@pytest.mark.parametrize(("scheme", "reference"), [("factorial", R_FACTORIAL), ("path", R_PATH)])
def test_other_schemes_match_r(ecsi, result, scheme, reference):
    """Factorial and path weighting converge to R plspm's weights and loadings, signs as under the centroid."""
    res = pls.estimate(ecsi, dict(ECSI_SPEC, scheme=scheme))
    assert res.scheme == scheme and 1 < res.iterations < 100
    close([res.weights[res.items.index(k)] for k in reference], [w for w, _ in reference.values()])
    close([res.loadings[res.items.index(k)] for k in reference], [lo for _, lo in reference.values()])
    assert (np.sign(res.path_coefficients) == np.sign(result.path_coefficients)).all()
    assert (np.sign(res.weights) == np.sign(result.weights)).all()
    # the schemes differ in the inner weights only, and on these well-correlated blocks by little
    assert np.abs(res.weights - result.weights).max() < 5e-3


def test_block_order_does_not_matter(ecsi, result):
    """Blocks listed out of path order are estimated in topological order with the same numbers."""
    spec = dict(ECSI_SPEC, blocks=dict(reversed(list(ECSI_SPEC["blocks"].items()))))
    res = pls.estimate(ecsi, spec)
    assert res.lvs == result.lvs
    close(res.path_coefficients, result.path_coefficients)


def test_scaled_blocks_match_standardised_data(ecsi, result):
    """scaled=True equals scaled=False on items already standardised (each scaled by its population sd)."""
    z = {k: (v - v.mean()) / v.std() for k, v in ecsi.items()}
    scaled = pls.estimate(ecsi, dict(ECSI_SPEC, scaled=True))
    by_hand = pls.estimate(z, dict(ECSI_SPEC, scaled=False, index=None))
    close(scaled.weights, by_hand.weights)
    close(scaled.path_coefficients, by_hand.path_coefficients)
    close(scaled.scores, by_hand.scores)
    # the index weights are on the raw items whatever the scaling: w_raw ∝ w_std / sd
    sd = np.array([ecsi[i].std() for i in scaled.index.items])
    w = by_hand.weights[[by_hand.items.index(i) for i in scaled.index.items]] / sd
    close(scaled.index.weights, w / w.sum())


def test_array_input_and_json(ecsi, result):
    names = list(ecsi)
    res = pls.estimate(np.column_stack([ecsi[c] for c in names]), ECSI_SPEC, columns=names)
    close(res.weights, result.weights)
    body = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert body["gof"] == pytest.approx(0.609741624338411, rel=RTOL)
    assert {r["name"] for r in body["outer_model"]} == set(result.items)
    assert body["index"]["block"] == "SAT" and len(body["inner_model"]) == 10


def test_missing_values_refused_or_dropped(ecsi, result):
    holes = {k: v.copy() for k, v in ecsi.items()}
    holes["qual3"][[4, 9]] = np.nan
    with pytest.raises(InvalidInput) as err:
        pls.estimate(holes, ECSI_SPEC)
    assert err.value.code == "missing_values" and err.value.field == "qual3"
    assert "qual3" in err.value.message and "2 missing" in err.value.message and "rows 5, 10" in err.value.message
    res = pls.estimate(holes, ECSI_SPEC, missing="drop")
    assert (res.n, res.dropped_rows) == (248, 2) and not res.kept_rows[[4, 9]].any()
    keep = np.ones(250, bool)
    keep[[4, 9]] = False
    close(res.weights, pls.estimate({k: v[keep] for k, v in ecsi.items()}, ECSI_SPEC).weights)


# ---------------------------------------------------------------------------------------------- the index


def small_data():
    """Six respondents; each SAT answer pair also appears mirrored with the same IMAG answer (so w_s1 = w_s2)."""
    return {"m1": np.array([5.0, 5, 2, 2, 3, 3]),
            "s1": np.array([5.0, 4, 3, 1, 2, 2]),
            "s2": np.array([4.0, 5, 1, 3, 2, 2]),
            "note": np.array([1.0, 2, 3, 4, 5, 6])}


SMALL = {"blocks": {"IMAG": {"items": ["m1"]}, "SAT": {"items": ["s1", "s2"]}}, "paths": [["IMAG", "SAT"]],
         "scaled": False, "index": "SAT", "scale": [1, 5]}


def test_index_hand_worked():
    """Swapping s1 and s2 leaves the data unchanged, so the weights are ½, ½ and the index is
    ((s1 + s2)/2 − 1) / (5 − 1) × 100: 87.5, 87.5, 25, 25, 25, 25; mean 275/6."""
    ix = pls.estimate(small_data(), SMALL).index
    close(ix.weights, [0.5, 0.5])
    close(ix.per_respondent, [87.5, 87.5, 25, 25, 25, 25])
    assert ix.mean == pytest.approx(275 / 6, rel=1e-12)
    assert ix.scale == (1.0, 5.0) and ix.items == ("s1", "s2")


def test_index_weights_are_on_the_raw_items():
    """s2 = 2·s1 on a 1–10 scale: standardised weights are equal, so raw weights are ∝ 1/sd: ⅔ and ⅓, and the
    index is (⅔·s1 + ⅓·2·s1 − 1)/9 × 100 = (4/3·s1 − 1)/9 × 100."""
    data = small_data()
    data["s2"] = 2 * data["s1"]
    res = pls.estimate(data, dict(SMALL, scaled=True, scale=None), scale=(1, 10))
    close(res.index.weights, [2 / 3, 1 / 3])
    close(res.index.per_respondent, (4 / 3 * data["s1"] - 1) / 9 * 100)


def test_index_needs_a_scale_and_answers_inside_it():
    with pytest.raises(InvalidInput) as err:
        pls.estimate(small_data(), dict(SMALL, scale=None))
    assert err.value.field == "scale" and "SAT" in err.value.message
    with pytest.raises(InvalidInput) as err:
        pls.estimate(small_data(), dict(SMALL, scale=[2, 5]))
    assert err.value.code == "out_of_scale" and err.value.field == "s1"


# ------------------------------------------------------------------------------------------- bad specs


def bad(spec, data=None, code=None, field=None, words=()):
    with pytest.raises(InvalidInput) as err:
        if data is None:
            pls.validate_spec(spec, ["m1", "s1", "s2", "note"])
        else:
            pls.estimate(data, spec)
    assert err.value.status == 422
    if code:
        assert err.value.code == code, err.value.message
    if field:
        assert err.value.field == field, err.value.message
    for w in words:
        assert w in err.value.message, err.value.message
    return err.value


def with_blocks(**blocks):
    return dict(SMALL, blocks=blocks)


def test_refuses_unknown_column():
    bad(with_blocks(IMAG={"items": ["m1"]}, SAT={"items": ["s1", "s9"]}), code="unknown_column",
        field="blocks.SAT.items", words=("s9", "SAT"))


def test_refuses_block_without_items():
    bad(with_blocks(IMAG={"items": ["m1"]}, SAT={"items": []}), code="empty_block", field="blocks.SAT.items",
        words=("SAT",))
    bad(with_blocks(IMAG={"items": ["m1"]}, SAT={"mode": "A"}), code="empty_block", words=("SAT",))


def test_refuses_item_in_two_blocks():
    bad(with_blocks(IMAG={"items": ["m1", "s1"]}, SAT={"items": ["s1", "s2"]}), code="duplicate_item",
        words=("s1", "IMAG", "SAT"))
    bad(with_blocks(IMAG={"items": ["m1"]}, SAT={"items": ["s1", "s1"]}), code="duplicate_item", words=("twice",))


def test_refuses_unknown_block_in_a_path():
    bad(dict(SMALL, paths=[["IMAG", "SAT"], ["SAT", "LOY"]]), code="unknown_block", field="paths[1]",
        words=("LOY",))


def test_refuses_a_cycle():
    spec = with_blocks(IMAG={"items": ["m1"]}, SAT={"items": ["s1"]}, LOY={"items": ["s2"]})
    err = bad(dict(spec, paths=[["IMAG", "SAT"], ["SAT", "LOY"], ["LOY", "SAT"]]), code="path_cycle")
    assert "SAT → LOY → SAT" in err.message
    bad(dict(SMALL, paths=[["SAT", "SAT"]]), code="path_cycle", words=("SAT",))


def test_refuses_unknown_mode_scheme_and_index():
    bad(with_blocks(IMAG={"items": ["m1"]}, SAT={"items": ["s1", "s2"], "mode": "C"}), code="invalid_mode",
        field="blocks.SAT.mode", words=("SAT", "'C'"))
    bad(dict(SMALL, scheme="centroïd"), code="invalid_scheme", field="scheme", words=("centroïd",))
    bad(dict(SMALL, index="LOY"), code="invalid_index", field="index", words=("LOY",))


def test_refuses_other_bad_settings():
    bad(with_blocks(IMAG={"items": ["m1"]}, SAT={"items": ["s1"]}, LOY={"items": ["s2"]}), code="unknown_block",
        field="blocks.LOY", words=("no path",))
    bad(dict(SMALL, schem="path"), code="invalid_spec", field="schem")
    bad(dict(SMALL, scaled="no"), field="scaled")
    bad(dict(SMALL, paths=[]), field="paths")
    bad(dict(SMALL, paths=[["IMAG", "SAT"], ["IMAG", "SAT"]]), field="paths[1]", words=("twice",))
    bad(dict(SMALL, scale=[5, 1]), field="scale")
    bad(dict(SMALL, tolerance=0), field="tolerance")
    bad(dict(SMALL, max_iterations=0), field="max_iterations")
    bad([1, 2], code="invalid_spec")


def test_refuses_bad_data():
    data = small_data()
    bad(SMALL, dict(data, s2=np.full(6, 3.0)), code="constant_item", field="s2")
    bad(SMALL, dict(data, s1=np.array(["a", "b", "c", "d", "e", "f"])), code="not_numeric", field="s1")
    bad(SMALL, {k: v[:2] for k, v in data.items()}, code="too_few_rows")
    bad(SMALL, np.ones((6, 2)), code="invalid_data")
    spec = copy.deepcopy(SMALL)
    spec["blocks"]["SAT"]["mode"] = "B"
    bad(spec, dict(data, s2=2 * data["s1"]), code="singular_block", field="blocks.SAT")


# -------------------------------------------------------------------------------------------- bootstrap


@pytest.fixture(scope="module")
def boot(ecsi):
    return pls.bootstrap(ecsi, ECSI_SPEC, resamples=200, seed=20240601)


def test_bootstrap_intervals_contain_the_estimates(boot, result):
    assert boot.used == boot.resamples == 200
    for name in ("paths", "weights", "loadings", "r_squared", "total_effects"):
        table = getattr(boot, name)
        assert (table.lower <= table.original).all() and (table.original <= table.upper).all(), name
        assert (table.std_error > 0).all(), name
    close(boot.weights.original, result.weights)
    close(boot.paths.original, [result.path(*n.split(" -> ")) for n in boot.paths.names])
    close(boot.total_effects.original, [e.total for e in result.effects])
    assert list(boot.r_squared.names) == ["EXPE", "QUAL", "VAL", "SAT", "LOY"]


def test_bootstrap_is_reproducible(ecsi, boot):
    again = pls.bootstrap(ecsi, ECSI_SPEC, resamples=200, seed=20240601)
    np.testing.assert_array_equal(again.paths.samples, boot.paths.samples)


def test_bootstrap_intervals_shrink_with_more_data(ecsi, boot):
    """Four copies of every respondent: same estimates, and the bootstrap sd falls by about √4 = 2."""
    big = pls.bootstrap({k: np.tile(v, 4) for k, v in ecsi.items()}, ECSI_SPEC, resamples=200, seed=20240601)
    close(big.paths.original, boot.paths.original)
    ratio = (big.paths.upper - big.paths.lower) / (boot.paths.upper - boot.paths.lower)
    assert (ratio < 0.75).all() and 0.4 < ratio.mean() < 0.6
    assert 0.4 < (big.paths.std_error / boot.paths.std_error).mean() < 0.6

# ruff: noqa: F811  (the API suite's fixtures are imported below and used as test arguments)
"""Surveys over JSON, the analysis half: answers imported from a CSV upload (rejected lines with reasons), the
satisfaction index and its ECSI model, drivers (IPA), the measure by segment, the responses; each refused to a
token without the scope its page needs (an agent's role has no surveys:read, an analyst's no surveys:write)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import numpy as np
import pytest

from shopcx.core import clock
from shopcx.staff.rules import PERMISSIONS, SCOPES
from shopcx.staff.service import SYSTEM
from shopcx.surveys import rules, service
from shopcx.surveys.models import pls

from ..api.conftest import client, token  # noqa: F401
from ..factories import make_order, make_shop

NOW = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
BLOCKS = ("IMAG", "EXPE", "QUAL", "VAL", "SAT", "COMP", "LOY")


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen_at(NOW):
        yield


@pytest.fixture
def role(token):
    """role(name) -> headers of a token carrying exactly the scopes that role's staff have."""
    return lambda name: token(*sorted(PERMISSIONS[name] & set(SCOPES)), name=name)


def _ecsi_csv(shared_data) -> tuple[bytes, list[dict[str, int]], list[dict[str, int]], list[int]]:
    """The 250 ECSI respondents as a 问卷星-like CSV (序号 first); all rows, the kept ones (no 0 on the 1–10
    questionnaire) and the file lines of the others."""
    with (shared_data / "ecsi_satisfaction" / "satisfaction.csv").open(newline="") as fh:
        rows = [{k: int(v) for k, v in row.items() if k and k != "gender"} for row in csv.DictReader(fh)]
    for row in rows:  # the data have no complaints item, which the shipped questionnaire asks: take sat1's answer
        row["comp1"] = row["sat1"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["序号", *rows[0]])
    for n, row in enumerate(rows, start=1):
        writer.writerow([f"r{n}", *row.values()])
    kept = [r for r in rows if 0 not in r.values()]
    zero_lines = [n + 1 for n, r in enumerate(rows, start=1) if 0 in r.values()]  # line 1 is the header
    return out.getvalue().encode(), rows, kept, zero_lines


def test_an_import_upload_then_the_index_model_and_drivers(client, role, session, shared_data):
    shop = make_shop(session, code="svapi")
    survey = service.create_from_preset(session, shop.id, "ecsi", actor=SYSTEM)
    session.flush()
    owner, analyst, agent = role("owner"), role("analyst"), role("agent")
    data, rows, kept, zero_lines = _ecsi_csv(shared_data)
    upload = {"file": ("wjx.csv", data, "text/csv")}
    url = f"/api/v1/surveys/{survey.id}/imports"

    early = client.post(url, files=upload, data={"wave": "2026-Q4"}, headers=owner)
    assert early.status_code == 422 and early.json()["error"] == "survey_not_published"
    service.publish(session, survey, actor=SYSTEM)
    session.flush()
    assert client.post(url, files=upload, headers=analyst).status_code == 403
    bad = client.post(url, files=upload, data={"mapping": "[1, 2]"}, headers=owner)
    assert bad.status_code == 422 and bad.json()["field"] == "mapping"
    wrong = client.post(url, files=upload, data={"mapping": '{"序号": "@respondent", "imag1": "nope"}'},
                        headers=owner)
    assert wrong.status_code == 422 and wrong.json()["error"] == "invalid_mapping"

    done = client.post(url, files=upload, data={"wave": "2026-Q4", "lang": "en"}, headers=owner)
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["stored"], body["already"]) == (len(kept), 0) and body["mapping"]["序号"] == "@respondent"
    assert [r["line"] for r in body["rejected"]] == zero_lines
    first_zero = next(k for k, v in rows[zero_lines[0] - 2].items() if v == 0)
    assert body["rejected"][0]["reason"] == f"Line {zero_lines[0]}: {first_zero}: 0 is outside 1–10"
    again = client.post(url, files=upload, data={"wave": "2026-Q4"}, headers=owner).json()
    assert (again["stored"], again["already"]) == (0, len(kept))  # idempotent on the respondent id
    assert again["rejected"][0]["reason"].startswith(f"第 {zero_lines[0]} 行") and "outside" not in \
        again["rejected"][0]["reason"]  # the reasons in Chinese by default

    # the index: the ECSI model estimated by PLS on the stored rows, as R plspm would on the same rows
    assert client.get(f"/api/v1/surveys/{survey.id}/index", headers=agent).status_code == 403
    index = client.get(f"/api/v1/surveys/{survey.id}/index", headers=analyst).json()
    blocks = {b: [k for k in kept[0] if k.rstrip("0123456789") == b.lower()] for b in BLOCKS}
    spec = {"blocks": {b: {"items": items} for b, items in blocks.items()},
            "paths": [["IMAG", "EXPE"], ["IMAG", "SAT"], ["IMAG", "LOY"], ["EXPE", "QUAL"], ["EXPE", "VAL"],
                      ["EXPE", "SAT"], ["QUAL", "VAL"], ["QUAL", "SAT"], ["VAL", "SAT"],
                      ["SAT", "COMP"], ["SAT", "LOY"], ["COMP", "LOY"]],
            "scheme": "centroid", "scaled": False, "index": "SAT", "scale": [1, 10]}
    expected = pls.estimate({k: [r[k] for r in kept] for k in kept[0]}, spec)
    assert index["method"] == "pls" and index["model_rows"] == len(kept) and index["model_problem"] is None
    assert index["model"]["gof"] == pytest.approx(expected.gof, rel=1e-9)
    paths = {(p["from"], p["to"]): p["estimate"] for p in index["model"]["inner_model"]}
    assert paths[("VAL", "SAT")] == pytest.approx(expected.path("VAL", "SAT"), rel=1e-9)
    # by hand: Σ(w/Σw)·x̄ over the SAT items on 1–10, rescaled to 0–100
    w = np.array([expected.weights[expected.items.index(k)] for k in blocks["SAT"]])
    x = np.array([[r[k] for k in blocks["SAT"]] for r in kept])
    by_hand = ((x @ (w / w.sum()) - 1) / 9 * 100).mean()
    assert [(v["wave"], v["n"]) for v in index["waves"]] == [("2026-Q4", len(kept))]
    assert index["index"] == pytest.approx(by_hand, rel=1e-9) == index["waves"][0]["index"]

    # drivers: each block's importance is its PLS total effect on SAT; performance its items' mean on 0–100
    drivers = client.get(f"/api/v1/surveys/{survey.id}/drivers", headers=analyst).json()["ipa"]
    assert drivers["source"] == "pls"
    total = {e.source: e.total for e in expected.effects if e.target == "SAT"}
    items = {i["name"]: i for i in drivers["items"]}
    assert set(items) == {"IMAG", "EXPE", "QUAL", "VAL"}  # the blocks before SAT
    for name, item in items.items():
        assert item["importance"] == pytest.approx(total[name], rel=1e-9)
        mean = np.mean([r[k] for r in kept for k in blocks[name]])
        assert item["performance"] == pytest.approx((mean - 1) / 9 * 100, rel=1e-9)
        high, good = item["importance"] >= drivers["importance_cut"], item["performance"] >= drivers["performance_cut"]
        assert item["quadrant"] == {(True, False): "concentrate_here", (True, True): "keep_up_the_good_work",
                                    (False, False): "low_priority", (False, True): "possible_overkill"}[(high, good)]

    listed = client.get(f"/api/v1/surveys/{survey.id}/responses", params={"limit": 5, "source": "import"},
                        headers=analyst).json()
    assert listed["total"] == len(kept) and len(listed["items"]) == 5
    assert listed["items"][0]["answers"]["sat1"] in range(1, 11) and listed["items"][0]["wave"] == "2026-Q4"


def test_the_measure_by_segment_with_intervals(client, role, session):
    shop = make_shop(session, code="svseg")
    survey = service.create_from_preset(session, shop.id, "nps", actor=SYSTEM)
    service.publish(session, survey, actor=SYSTEM)
    waves = {"2026-10": ["10", "9", "3", "8"], "2026-11": ["10", "10", "6", "9", "2"]}
    for wave, scores in waves.items():
        buyers = [make_order(session, shop).customer_id for _ in scores]
        links, _ = service.invite(session, survey, buyers, wave=wave, actor=SYSTEM)
        for link, score in zip(links, scores, strict=True):
            service.answer(session, service.open_link(session, link.token), {"nps": score}, locale="zh", final=True)
    session.flush()
    url = f"/api/v1/surveys/{survey.id}/segments"
    assert client.get(url, headers=role("agent")).status_code == 403
    found = client.get(url, headers=role("analyst")).json()
    assert found["measure"] == "nps"
    by_wave = {row["segment"]: row for row in found["segments"]["window"]}
    # 2026-10: 2 promoters, 1 detractor of 4 = +25; 2026-11: 3 promoters, 2 detractors of 5 = +20
    assert (by_wave["2026-10"]["value"], by_wave["2026-11"]["value"]) == (pytest.approx(25.0), pytest.approx(20.0))
    whole = rules.nps([int(s) for scores in waves.values() for s in scores]).value
    assert by_wave["2026-11"]["versus_all"] == pytest.approx(20.0 - whole)
    assert by_wave["2026-11"]["low"] < 20.0 < by_wave["2026-11"]["high"] and by_wave["2026-11"]["n"] == 5
    assert client.get(url, params={"measure": "csat"}, headers=role("analyst")).json()["segments"] == {}
    refused = client.get(url, params={"measure": "loyalty"}, headers=role("analyst"))
    assert refused.status_code == 422 and refused.json()["field"] == "measure"

# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""The results dashboard, the responses list with filters and its Excel export, and `shopcx surveys index`."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from shopcx.cli import app
from shopcx.staff.service import SYSTEM
from shopcx.surveys import rules, service
from shopcx.surveys.tables import Answer, Response

from ..factories import make_order, make_shop
from ..web.conftest import client, login, make_user  # noqa: F401
from .factories import ecsi_rows as _ecsi_rows
from .test_pages import NOW, _frozen  # noqa: F401

WAVES = {"2026-10": [10, 9, 3, 8, 10], "2026-11": [10, 10, 9, 6, 9, 9]}


@pytest.fixture
def shop(session):
    return make_shop(session, code="svres", name="青竹茶庄")


def _store(session, survey, version, scores: dict, *, wave, customer=None, source="link", order=None):
    response = Response(shop_id=survey.shop_id, survey_id=survey.id, version_id=version.id, locale="zh",
                        partial=False, anonymous=customer is None, customer_id=customer, order_id=order, wave=wave,
                        source=source, started_at=NOW, updated_at=NOW, submitted_at=NOW)
    session.add(response)
    session.flush()
    session.add_all(Answer(response_id=response.id, question=k, value=v, score=float(v)) for k, v in scores.items())
    return response


@pytest.fixture
def nps_survey(session, shop):
    survey = service.create_from_preset(session, shop.id, "nps", actor=SYSTEM)
    version = service.publish(session, survey, actor=SYSTEM)
    buyer = make_order(session, shop, customer={"source": "taobao", "external_id": "r1", "name": "王芳"}).customer_id
    for wave, scores in WAVES.items():
        for n, score in enumerate(scores):
            _store(session, survey, version, {"nps": score}, wave=wave, customer=buyer if n == 0 else None,
                   source="import" if wave == "2026-10" else "link")
    session.flush()
    return survey


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_dashboard_draws_the_gauge_trend_and_index_from_the_answers(login, session, nps_survey, lang):
    page = login("owner", locale=lang).get(f"/surveys/{nps_survey.id}/results")
    assert page.status_code == 200
    gauge = json.loads(re.search(r'id="gauge-chart-data">(.*?)</script>', page.text).group(1))
    everyone = [s for scores in WAVES.values() for s in scores]
    assert gauge["value"] == pytest.approx(rules.nps(everyone).value, abs=1e-4) and gauge["n"] == 11
    trend = json.loads(re.search(r'id="trend-chart-data">(.*?)</script>', page.text).group(1))
    # 2026-10: 3 promoters, 1 detractor of 5 = +40; 2026-11: 5 promoters, 1 detractor of 6 = +66.7
    assert [(p["wave"], round(p["value"], 1)) for p in trend["points"]] == [("2026-10", 40.0), ("2026-11", 66.7)]
    index = json.loads(re.search(r'id="index-chart-data">(.*?)</script>', page.text).group(1))
    # the mean NPS answer on 0–10 as 0–100: 40/5 = 8.0 → 80; 53/6 = 8.833 → 88.3
    assert [(w["wave"], round(w["index"], 1)) for w in index["waves"]] == [("2026-10", 80.0), ("2026-11", 88.3)]
    assert 'src="/static/vendor/echarts.min.js"' in page.text and "<script>" not in page.text


def test_the_responses_list_filters_and_exports_to_excel(login, session, nps_survey):
    owner = login("owner")
    listed = owner.get(f"/surveys/{nps_survey.id}/responses?wave=2026-11")
    assert listed.status_code == 200 and 'id="responses-total">6<' in listed.text
    imported = owner.get(f"/surveys/{nps_survey.id}/responses?source=import")
    assert 'id="responses-total">5<' in imported.text and "导入" in imported.text
    book = owner.get(f"/surveys/{nps_survey.id}/responses.xlsx?wave=2026-11")
    assert book.status_code == 200
    sheet = load_workbook(io.BytesIO(book.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("答卷", "时间", "轮次") or len(rows[0]) == 8
    assert len(rows) == 1 + 6 and sorted(r[7] for r in rows[1:]) == sorted(f"nps={s}" for s in WAVES["2026-11"])


def test_an_ecsi_dashboard_draws_the_path_model_ipa_and_pls_index(login, session, shop, shared_data):
    survey = service.create_from_preset(session, shop.id, "ecsi", actor=SYSTEM)
    version = service.publish(session, survey, actor=SYSTEM)
    for n, row in enumerate(_ecsi_rows(shared_data)):
        _store(session, survey, version, row, wave="2026-Q3" if n < 125 else "2026-Q4")
    session.flush()
    page = login("owner", locale="en").get(f"/surveys/{survey.id}/results").text
    model = json.loads(re.search(r'id="model-chart-data">(.*?)</script>', page).group(1))
    result = service.ecsi_model(session, survey).result
    edges = {(e["from"], e["to"]): e["coefficient"] for e in model["edges"]}
    assert edges[("VAL", "SAT")] == pytest.approx(result.path("VAL", "SAT"), abs=1e-4)
    ipa = json.loads(re.search(r'id="ipa-chart-data">(.*?)</script>', page).group(1))
    assert ipa["source"] == "pls" and {i["name"] for i in ipa["items"]} == {"IMAG", "EXPE", "QUAL", "VAL"}
    total = {e.source: e.total for e in result.effects if e.target == "SAT"}
    assert {i["name"]: i["importance"] for i in ipa["items"]} == pytest.approx(total, abs=1e-4)
    method, waves = service.index_by_wave(session, survey)
    assert method == "pls" and [w.wave for w in waves] == ["2026-Q3", "2026-Q4"] and [w.n for w in waves] == [125, 125]
    # the index gauge: the latest wave's SAT items weighted by their normalised PLS outer weights, on 0–100
    rows = _ecsi_rows(shared_data)
    sat = [k for k in rows[0] if k.startswith("sat")]
    w = np.array([result.weights[result.items.index(k)] for k in sat])
    by_wave = [((np.array([[r[k] for k in sat] for r in part]) @ (w / w.sum()) - 1) / 9 * 100).mean()
               for part in (rows[:125], rows[125:])]
    gauge = json.loads(re.search(r'id="indexgauge-chart-data">(.*?)</script>', page).group(1))
    assert gauge["value"] == pytest.approx(by_wave[1], abs=1e-4) and gauge["caption"] == "Latest wave 2026-Q4 · n=125"
    latest = re.search(r'id="index-latest">(.*?)</p>', page).group(1)
    assert latest == (f"Latest wave 2026-Q4: <strong>{by_wave[1]:.1f}</strong> · "
                      f"{by_wave[1] - by_wave[0]:+.1f} vs 2026-Q3")
    done = CliRunner().invoke(app, ["surveys", "index", str(survey.id), "--json"])
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["method"] == "pls" and [round(w["index"], 4) for w in out["waves"]] == [round(w.index, 4)
                                                                                      for w in waves]
    table = CliRunner().invoke(app, ["surveys", "index", str(survey.id)])
    assert table.exit_code == 0 and "2026-Q3" in table.stdout

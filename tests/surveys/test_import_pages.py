# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""The import page: upload a 问卷星 export, the suggested mapping is shown with each column's question chosen,
importing lists the rejected rows with their line and reason in the page's language; an agent cannot import."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from shopcx.surveys.tables import Response

from ..web.conftest import client, login, make_user  # noqa: F401
from .test_import import WJX_HEAD, _frozen, survey, wjx  # noqa: F401


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    from shopcx.core.settings import get_settings

    monkeypatch.setattr(get_settings(), "data_dir", tmp_path / "data")
    return tmp_path / "data"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_upload_map_and_import_with_rejects(login, session, survey, wjx, data_dir, lang):  # noqa: F811
    owner = login("owner", locale=lang)
    page = owner.get(f"/surveys/{survey.id}/import")
    assert page.status_code == 200 and 'id="import-upload"' in page.text
    with open(wjx, "rb") as fh:
        mapped = owner.post(f"/surveys/{survey.id}/import", files={"file": ("问卷星.csv", fh, "text/csv")})
    assert mapped.status_code == 200, mapped.text[:500]
    assert re.search(r'<select name="col6" id="col6">.*?<option value="csat" selected>', mapped.text, re.S)
    assert re.search(r'<select name="col0" id="col0">.*?<option value="@respondent" selected>', mapped.text, re.S)
    upload = re.search(r'name="upload" value="([^"]+)"', mapped.text).group(1)
    form = {"upload": upload, "col0": "@respondent", "col1": "@submitted", "col6": "csat", "col7": "delivery",
            "col8": "packaging", "col9": "issue", "col10": "comment"}
    done = owner.post(f"/surveys/{survey.id}/import/run", form)
    assert done.status_code == 200 and 'id="import-rejects"' in done.text
    assert len(re.findall(r'<td class="num" data-label="[^"]+">(\d+)</td>', done.text)) == 3
    assert session.scalar(select(func.count(Response.id))) == 2
    assert not (data_dir / "uploads" / upload).exists()
    gone = owner.post(f"/surveys/{survey.id}/import/run", form)
    assert gone.status_code == 422


@pytest.mark.parametrize(("lang", "said"), [("zh", "第 4 行：1、您对这次购物的整体体验满意吗？：答案不在可选范围内。"),
                                           ("en", "Line 4: 1、您对这次购物的整体体验满意吗？: 9 is outside 1–5")])
def test_the_rejects_are_in_the_page_language(login, session, survey, wjx, data_dir, lang, said):
    owner = login("owner", locale=lang)
    with open(wjx, "rb") as fh:
        mapped = owner.post(f"/surveys/{survey.id}/import", files={"file": ("x.csv", fh, "text/csv")})
    upload = re.search(r'name="upload" value="([^"]+)"', mapped.text).group(1)
    form = {"upload": upload, "col0": "@respondent", "col6": "csat", "col7": "delivery", "col8": "packaging"}
    done = owner.post(f"/surveys/{survey.id}/import/run", form)
    assert said in done.text


def test_an_agent_cannot_import_and_a_wrong_file_type_is_refused(login, survey, data_dir):
    assert login("agent").get(f"/surveys/{survey.id}/import").status_code in (403, 404)
    owner = login("owner")
    bad = owner.post(f"/surveys/{survey.id}/import", files={"file": ("x.pdf", b"%PDF", "application/pdf")})
    assert bad.status_code == 422

# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""The text analysis card on /reviews/settings: the analyser in use, training from stored reviews in the
background, one text job at a time, re-analysis (page and `shopcx reviews analyze --again`), permissions."""

from __future__ import annotations

import html
import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from shopcx.cli import app
from shopcx.reviews.pages import settings as review_pages
from shopcx.reviews.text import default_model_path, load_model, training
from shopcx.staff.models import AuditLog

from ..factories import make_shop
from ..web.conftest import client, login, make_user  # noqa: F401
from .helpers import order, record, two_category_reviews

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    from shopcx.core.settings import get_settings

    monkeypatch.setattr(get_settings(), "data_dir", tmp_path / "data")
    return tmp_path / "data"


@pytest.fixture
def inline_jobs(monkeypatch):
    """Text jobs run inside the request (still after the response is built) instead of in a thread."""
    ran = []

    def run(work):
        ran.append(work)
        work()

    monkeypatch.setattr(review_pages, "text_runner", run)
    return ran


def stored_shop(session):
    """A Taobao shop with 60 hotel and 60 phone reviews where 小 means opposite things."""
    shop = make_shop(session, code="tb", platform="taobao")
    texts, labels, categories = two_category_reviews()
    for text, label, category in zip(texts, labels, categories, strict=True):
        sku = "ROOM-1" if category == "酒店" else "PHONE-1"
        record(session, shop, order(session, shop, sku=sku, category=category), text=text, stars=5 if label else 1)
    return shop


def page_text(response) -> str:
    return html.unescape(response.text)


def test_settings_page_names_the_untrained_default_without_a_model(session, login, data_dir):
    shop = make_shop(session, code="tb", platform="taobao")
    page = login("owner", locale="en").get(f"/reviews/settings?shop={shop.id}")
    assert page.status_code == 200
    text = page_text(page)
    assert 'data-analyser="default"' in text and "untrained default" in text
    assert "Train from this shop's stored reviews" in text
    assert 'id="text-job"' not in text  # no job has run


def test_training_from_the_page_saves_a_model_and_the_card_shows_it(session, login, data_dir, inline_jobs):
    shop = stored_shop(session)
    owner = login("owner", locale="en")
    started = owner.post("/reviews/settings/text/train", {"shop": shop.id, "platform": "taobao"})
    assert started.status_code == 303 and "#text-analysis" in started.headers["location"]
    assert len(inline_jobs) == 1  # handed to the runner as a background task of the response

    model = load_model(default_model_path())
    assert model.info["source"] == "shop tb" and model.info["rows"] == 120
    assert set(model.categories) == {"酒店", "手机"}
    state = training.read_status()
    assert state.kind == "train" and state.status == "done" and state.stage == "done" and state.error is None
    assert state.result["rows"] == 120 and state.result["holdout_rows"] == 12
    assert state.started_at and state.finished_at and state.started_by

    page = page_text(owner.get(f"/reviews/settings?shop={shop.id}"))
    assert 'data-analyser="model"' in page and 'data-job-status="done"' in page
    assert "120 (60 positive, 60 negative)" in page
    accuracy = f"{model.info['holdout_accuracy'] * 100:.1f}% on 12 reviews kept out of training"
    assert accuracy in page
    assert "酒店 · 60" in page and "手机 · 60" in page
    assert "shop tb" in page and 'id="text-reanalyze-form"' in page
    assert 'hx-trigger="every 2s"' not in page  # finished: no more polling

    audit = session.scalars(select(AuditLog).where(AuditLog.action == "review.text_train")).one()
    assert audit.entity_id == str(shop.id) and audit.actor == state.started_by

    # Chinese page: the trained time is shown in the shop's timezone.
    zh = page_text(login("manager", locale="zh").get(f"/reviews/settings?shop={shop.id}"))
    assert "训练时间" in zh and "留出集准确率" in zh


def test_the_card_polls_while_a_job_runs_and_a_second_start_is_refused(session, login, data_dir, inline_jobs):
    shop = stored_shop(session)
    owner = login("owner", locale="en")
    training.claim("train", shop="tb", started_by="someone")  # this process holds the job
    training.update_status(stage="held-out check")

    card = owner.htmx_get(f"/reviews/settings/text?shop={shop.id}", target="text-analysis")
    assert card.status_code == 200
    assert 'hx-trigger="every 2s"' in card.text and 'data-job-status="running"' in card.text
    assert "Checking accuracy on held-out reviews" in card.text and 'id="text-train-form"' not in card.text

    refused = owner.post("/reviews/settings/text/train", {"shop": shop.id})
    assert refused.status_code == 409 and "still running" in page_text(refused)
    refused = owner.htmx_post("/reviews/settings/text/reanalyze", {"shop": shop.id})
    assert refused.status_code == 409 and 'data-error-for="text"' in refused.text
    assert not inline_jobs and not default_model_path().exists()
    assert not session.scalars(select(AuditLog).where(AuditLog.action.like("review.text_%"))).all()

    # A job whose process has ended reads as interrupted, and may be started again.
    path = training.status_path()
    state = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(state | {"pid": 2**22 + 12345}), encoding="utf-8")
    assert training.read_status().status == "interrupted"
    assert owner.post("/reviews/settings/text/train", {"shop": shop.id}).status_code == 303
    assert training.read_status().status == "done" and default_model_path().is_file()


def test_a_failed_training_is_shown_with_its_reason(session, login, data_dir, inline_jobs):
    shop = make_shop(session, code="tb", platform="taobao")
    record(session, shop, order(session, shop), text="很好", stars=5)
    owner = login("owner", locale="en")
    assert owner.post("/reviews/settings/text/train", {"shop": shop.id}).status_code == 303
    state = training.read_status()
    assert state.status == "failed" and "no usable rows" in state.error
    card = page_text(owner.get(f"/reviews/settings?shop={shop.id}"))
    assert 'data-job-status="failed"' in card and "no usable rows" in card and 'data-analyser="default"' in card


def test_reanalysis_from_the_page_follows_the_new_model(session, login, data_dir, inline_jobs):
    shop = stored_shop(session)
    praise = record(session, shop, order(session, shop, sku="PHONE-1", category="手机"), text="机身小", stars=5)
    # The untrained default reads 小 as a flaw, but not clearly enough to call a 5-star review hidden dissatisfaction.
    assert praise.polarity == "negative" and praise.polarity_score >= 0.2 and not praise.hidden_negative
    owner = login("owner", locale="en")
    owner.post("/reviews/settings/text/train", {"shop": shop.id})
    answer = owner.htmx_post("/reviews/settings/text/reanalyze", {"shop": shop.id})
    assert answer.status_code == 200 and 'id="text-analysis"' in answer.text
    state = training.read_status()
    assert state.kind == "reanalyze" and state.status == "done"
    assert state.done == state.total == state.result["reviews"] == 121
    session.refresh(praise)
    assert praise.polarity == "positive" and not praise.hidden_negative
    page = page_text(owner.get(f"/reviews/settings?shop={shop.id}"))
    assert "121 reviews analysed again." in page


def test_analyze_again_on_the_command_line_changes_stored_polarity(session, data_dir):
    shop = stored_shop(session)
    other = make_shop(session, code="jd", platform="jd")
    praise = record(session, shop, order(session, shop, sku="PHONE-1", category="手机"), text="机身小", stars=5)
    elsewhere = record(session, other, order(session, other, sku="PHONE-1", category="手机"), text="机身小", stars=5)
    session.commit()
    assert praise.polarity == elsewhere.polarity == "negative" and not praise.hidden_negative

    result = training.train_from_shop("tb")
    assert result.rows == 121 and result.path == default_model_path() and result.seconds > 0

    refused = runner.invoke(app, ["reviews", "analyze", "--shop", "tb"])
    assert refused.exit_code == 2 and "--shop: only with --again" in refused.output
    done = runner.invoke(app, ["reviews", "analyze", "--again", "--shop", "tb"])
    assert done.exit_code == 0, done.output
    assert "analysed 121 reviews again with model" in done.output
    session.refresh(praise)
    session.refresh(elsewhere)
    assert praise.polarity == "positive" and not praise.hidden_negative
    assert elsewhere.polarity == "negative"  # another shop's review is left as it was

    unknown = runner.invoke(app, ["reviews", "analyze", "--again", "--shop", "nope"])
    assert unknown.exit_code == 2


def test_training_reports_its_stages_in_order(data_dir):
    from shopcx.reviews.text.csvdata import Labelled

    texts, labels, categories = two_category_reviews()
    stages = []
    result = training.train_from_rows(Labelled(texts=texts, labels=labels, categories=categories, scheme="test"),
                                      source="hand-made", on_stage=stages.append)
    assert stages == ["held-out check", "training", "saving", "done"]
    assert result.rows == 120 and result.positive == result.negative == 60 and result.holdout_rows == 12
    assert result.categories == {"酒店": 60, "手机": 60} and 0.0 <= result.accuracy <= 1.0
    with pytest.raises(training.TrainingError) as caught:
        training.train_from_rows(Labelled(texts=["很好"], labels=[1], categories=None), source="x", option="--shop")
    assert caught.value.message.startswith("--shop: no usable rows")


@pytest.mark.parametrize("role", ["agent", "operations", "analyst"])
def test_roles_without_review_settings_are_refused(session, login, data_dir, inline_jobs, role):
    shop = make_shop(session, code="tb", platform="taobao")
    staff = login(role, locale="en")
    assert staff.get(f"/reviews/settings/text?shop={shop.id}").status_code == 403
    assert staff.post("/reviews/settings/text/train", {"shop": shop.id}).status_code == 403
    assert staff.post("/reviews/settings/text/reanalyze", {"shop": shop.id}).status_code == 403
    assert not inline_jobs and training.read_status() is None


def test_a_running_job_silent_for_hours_reads_as_interrupted(data_dir):
    from datetime import timedelta

    from shopcx.core import clock

    training.claim("reanalyze", shop="tb", started_by="someone")  # this live process, as a web worker would be
    assert training.read_status().status == "running"
    path = training.status_path()
    state = json.loads(path.read_text(encoding="utf-8"))
    quiet = (clock.now() - training.STALE_AFTER - timedelta(minutes=1)).isoformat()
    path.write_text(json.dumps(state | {"updated_at": quiet}), encoding="utf-8")
    assert training.read_status().status == "interrupted"
    training.claim("train", shop="tb", started_by="someone else")  # may start again
    training.update_status(stage="training")
    assert training.read_status().status == "running" and training.read_status().kind == "train"

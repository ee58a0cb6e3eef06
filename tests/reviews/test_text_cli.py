"""`shopcx reviews train|classify` on small hand-written files, through Typer's test runner."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from typer.testing import CliRunner

from shopcx.cli import app
from shopcx.reviews.text import analyze, load_model
from shopcx.reviews.text.model import VERSION, ModelFileError

from .helpers import two_category_reviews

runner = CliRunner()

POSITIVE = ["质量很好，物流也快", "非常满意，下次还来", "东西不错，值得购买", "包装完好，很喜欢", "客服态度好，推荐",
            "性价比高，好评", "味道很好，新鲜", "做工精致，满意", "发货快，好用", "很漂亮，喜欢",
            "great product, love it", "works great, very happy"]
NEGATIVE = ["质量太差，退货了", "非常失望，不推荐", "东西是坏的，垃圾", "包装破损，很生气", "客服态度差，不理人",
            "太贵了，不值", "不新鲜，难吃", "做工粗糙，差评", "发货慢，难用", "很难看，后悔",
            "terrible, broke in a day", "waste of money, disappointed"]


def write_csv(path, header, rows, encoding="utf-8-sig"):
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture
def stars_file(tmp_path):
    rows = [[f"p{i}", text, 5 - i % 2] for i, text in enumerate(POSITIVE)]
    rows += [[f"n{i}", text, 1 + i % 2] for i, text in enumerate(NEGATIVE)]
    rows += [["m1", "一般般，凑合用", 3], ["m2", "还行吧", 3], ["e1", "", 5]]
    return write_csv(tmp_path / "reviews.csv", ["id", "评价", "星级"], rows)


def test_train_save_load_classify_round_trip(stars_file, tmp_path):
    model_path = tmp_path / "models" / "mine.npz"
    result = runner.invoke(app, ["reviews", "train", "--input", str(stars_file), "--text-column", "评价",
                                 "--label-column", "星级", "--model", str(model_path)])
    assert result.exit_code == 0, result.output
    assert "24 (12 positive, 12 negative; labels read as stars)" in result.stdout
    assert "2 3 stars" in result.stdout and "1 empty text" in result.stdout
    assert "held-out accuracy" in result.stdout and str(model_path) in result.stdout
    model = load_model(model_path)
    assert model.info["rows"] == 24 and model.info["positive"] == 12 and model.info["label_scheme"] == "stars"
    assert model.info["skipped"] == {"3 stars": 2, "empty text": 1}
    assert model.info["trained_at"] and 0.0 <= model.info["holdout_accuracy"] <= 1.0

    # GB18030 input, an extra column and a blank text: every row comes back in order with its columns.
    source = write_csv(tmp_path / "in.csv", ["编号", "内容", "备注"],
                       [["1", "质量很好，非常满意", "a"], ["2", "太差了，退货", "b"], ["3", "", "c"],
                        ["4", "包装破损，物流太慢", "d"]], encoding="gb18030")
    output = tmp_path / "out" / "tagged.csv"
    result = runner.invoke(app, ["reviews", "classify", "--input", str(source), "--text-column", "内容",
                                 "--output", str(output), "--model", str(model_path)])
    assert result.exit_code == 0, result.output
    rows = read_csv(output)
    assert rows[0] == ["编号", "内容", "备注", "polarity", "polarity_score", "aspects"]
    assert [row[:3] for row in rows[1:]] == [["1", "质量很好，非常满意", "a"], ["2", "太差了，退货", "b"],
                                             ["3", "", "c"], ["4", "包装破损，物流太慢", "d"]]
    assert [row[3] for row in rows[1:]] == ["positive", "negative", "positive", "negative"]
    assert rows[3][4] == "0.5000" and rows[3][5] == ""
    assert rows[1][5] == "quality" and rows[4][5] == "logistics;packaging"
    assert all(len(row[4].split(".")[1]) == 4 for row in rows[1:])
    # The file's scores are the API's scores, rounded.
    direct = analyze(["质量很好，非常满意"], model=model)[0]
    assert rows[1][4] == f"{direct.score:.4f}"


def test_train_saves_to_the_data_dir_by_default_and_classify_uses_it(stars_file, tmp_path, monkeypatch):
    from shopcx.core.settings import get_settings

    monkeypatch.setattr(get_settings(), "data_dir", tmp_path / "data")
    result = runner.invoke(app, ["reviews", "train", "--input", str(stars_file), "--text-column", "评价",
                                 "--label-column", "星级"])
    assert result.exit_code == 0, result.output
    saved = tmp_path / "data" / "models" / "review_polarity.npz"
    assert saved.is_file() and str(saved) in result.stdout
    source = write_csv(tmp_path / "in.csv", ["text"], [["很好"]])
    result = runner.invoke(app, ["reviews", "classify", "--input", str(source), "--text-column", "text",
                                 "--output", str(tmp_path / "out.csv")])
    assert result.exit_code == 0, result.output
    assert f"model {saved}" in result.stdout


def test_labels_as_words_and_zero_one(tmp_path):
    rows = [[t, "positive" if i % 2 else "1"] for i, t in enumerate(POSITIVE)]
    rows += [[t, "Negative" if i % 2 else "0"] for i, t in enumerate(NEGATIVE)]
    source = write_csv(tmp_path / "words.csv", ["text", "label"], rows)
    model_path = tmp_path / "m.npz"
    result = runner.invoke(app, ["reviews", "train", "--input", str(source), "--text-column", "text",
                                 "--label-column", "label", "--model", str(model_path)])
    assert result.exit_code == 0, result.output
    assert "24 (12 positive, 12 negative; labels read as binary)" in result.stdout


def test_classify_without_a_model_uses_the_untrained_default(tmp_path):
    source = write_csv(tmp_path / "in.csv", ["text"], [["不错"], ["一点也不满意"]])
    output = tmp_path / "out.csv"
    result = runner.invoke(app, ["reviews", "classify", "--input", str(source), "--text-column", "text",
                                 "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert "untrained default" in result.stdout
    assert [row[1] for row in read_csv(output)[1:]] == ["positive", "negative"]


def train_args(path, text="text", label="label"):
    return ["reviews", "train", "--input", str(path), "--text-column", text, "--label-column", label,
            "--model", str(path.with_suffix(".npz"))]


def test_missing_column_is_named(tmp_path):
    source = write_csv(tmp_path / "a.csv", ["text", "stars"], [["很好", "5"]])
    result = runner.invoke(app, train_args(source))
    assert result.exit_code == 2
    assert "--label-column: the file has no column 'label' (its columns: text, stars)" in result.output
    result = runner.invoke(app, ["reviews", "classify", "--input", str(source), "--text-column", "评价",
                                 "--output", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and "no column '评价'" in result.output
    assert not (tmp_path / "o.csv").exists()


def test_bad_label_names_its_line(tmp_path):
    source = write_csv(tmp_path / "b.csv", ["text", "label"], [["很好", "5"], ["很差", "1"], ["一般", "很好"],
                                                               ["不错", "4"]])
    result = runner.invoke(app, train_args(source))
    assert result.exit_code == 2
    assert "--label-column 'label', line 4: '很好' is not 1–5 stars" in result.output
    words = write_csv(tmp_path / "w.csv", ["text", "label"], [["很好", "1"], ["很差", "maybe"]])
    result = runner.invoke(app, train_args(words))
    assert result.exit_code == 2 and "line 3: 'maybe' is not a label" in result.output
    assert not source.with_suffix(".npz").exists()


def test_no_usable_rows_and_unreadable_files(tmp_path):
    only_good = write_csv(tmp_path / "c.csv", ["text", "label"], [["很好", "5"], ["不错", "4"], ["一般", "3"]])
    result = runner.invoke(app, train_args(only_good))
    assert result.exit_code == 2 and "no usable rows" in result.output and "1 3 stars" in result.output
    result = runner.invoke(app, train_args(tmp_path / "missing.csv"))
    assert result.exit_code == 2 and "missing.csv does not exist" in result.output
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = runner.invoke(app, train_args(empty))
    assert result.exit_code == 2 and "is empty" in result.output


def test_classify_refuses_a_foreign_model_file(tmp_path):
    source = write_csv(tmp_path / "in.csv", ["text"], [["很好"]])
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, header=np.array('{"format": "something.else", "version": 1}'), keys=np.zeros(1, np.uint64))
    result = runner.invoke(app, ["reviews", "classify", "--input", str(source), "--text-column", "text",
                                 "--output", str(tmp_path / "o.csv"), "--model", str(foreign)])
    assert result.exit_code == 2 and "format 'something.else'" in result.output
    assert not (tmp_path / "o.csv").exists()


def test_model_files_are_never_unpickled(tmp_path):
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, header=np.array([{"format": "shopcx.review_polarity"}], dtype=object))
    with pytest.raises(ModelFileError) as caught:
        load_model(pickled)
    assert caught.value.code == "model_unreadable"
    with pytest.raises(ModelFileError) as caught:
        load_model(tmp_path / "nowhere.npz")
    assert caught.value.code == "model_not_found"
    text = tmp_path / "text.npz"
    text.write_text("not a zip")
    with pytest.raises(ModelFileError):
        load_model(text)


def test_a_model_of_another_version_is_refused(stars_file, tmp_path):
    from shopcx.reviews.text.model import train

    model = train(POSITIVE + NEGATIVE, [1] * len(POSITIVE) + [0] * len(NEGATIVE))
    path = model.save(tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["header"] = np.array(str(arrays["header"]).replace(f'"version": {VERSION}', '"version": 99'))
    np.savez(path, **arrays)
    with pytest.raises(ModelFileError) as caught:
        load_model(path)
    assert caught.value.code == "model_version" and "version 99" in caught.value.message


def test_train_and_classify_with_a_category_column(tmp_path):
    texts, labels, categories = two_category_reviews()
    source = write_csv(tmp_path / "cats.csv", ["类目", "评价", "星级"],
                       [[c, t, 5 if y else 1] for t, y, c in zip(texts, labels, categories, strict=True)])
    model_path = tmp_path / "cats.npz"
    result = runner.invoke(app, ["reviews", "train", "--input", str(source), "--text-column", "评价",
                                 "--label-column", "星级", "--category-column", "类目", "--model", str(model_path)])
    assert result.exit_code == 0, result.output
    assert "categories       2 with weights of their own (" in result.stdout
    assert "酒店 60" in result.stdout and "手机 60" in result.stdout
    assert set(load_model(model_path).categories) == {"酒店", "手机"}

    # 小 alone: the category column decides; a blank category falls back to what the words say (房间 → hotel).
    tagged = write_csv(tmp_path / "in.csv", ["类目", "评价"], [["酒店", "小"], ["手机", "小"], ["", "房间小"]])
    output = tmp_path / "out.csv"
    result = runner.invoke(app, ["reviews", "classify", "--input", str(tagged), "--text-column", "评价",
                                 "--category-column", "类目", "--output", str(output), "--model", str(model_path)])
    assert result.exit_code == 0, result.output
    assert [row[2] for row in read_csv(output)[1:]] == ["negative", "positive", "negative"]

    result = runner.invoke(app, ["reviews", "classify", "--input", str(tagged), "--text-column", "评价",
                                 "--category-column", "category", "--output", str(output), "--model", str(model_path)])
    assert result.exit_code == 2 and "--category-column: the file has no column 'category'" in result.output


def test_a_category_column_with_too_few_rows_per_category_says_so(stars_file, tmp_path):
    rows = [[f"c{i % 3}", t, 5] for i, t in enumerate(POSITIVE)] + [[f"c{i % 3}", t, 1] for i, t in enumerate(NEGATIVE)]
    source = write_csv(tmp_path / "few.csv", ["cat", "text", "stars"], rows)
    result = runner.invoke(app, ["reviews", "train", "--input", str(source), "--text-column", "text",
                                 "--label-column", "stars", "--category-column", "cat",
                                 "--model", str(tmp_path / "few.npz")])
    assert result.exit_code == 0, result.output
    assert "categories       none with weights of their own (each needs 50 rows" in result.stdout
    assert load_model(tmp_path / "few.npz").categories == ()


def test_train_from_the_shops_stored_reviews_with_their_product_categories(session, tmp_path):
    from shopcx.reviews import service
    from shopcx.staff.service import SYSTEM

    from ..factories import make_shop
    from .helpers import at, order, record, review_data

    shop = make_shop(session, code="tb", platform="taobao")
    texts, labels, categories = two_category_reviews()
    for text, label, category in zip(texts, labels, categories, strict=True):
        sku = "ROOM-1" if category == "酒店" else "PHONE-1"
        record(session, shop, order(session, shop, sku=sku, category=category), text=text, stars=5 if label else 1)
    record(session, shop, order(session, shop), text="一般般", stars=3)
    record(session, shop, order(session, shop), stars=None, rating="good", is_default=True, text="系统默认好评")
    slow = order(session, shop)
    revised = record(session, shop, slow, text="太慢了", stars=1)
    service.record_review(session, shop, review_data(slow.external_id, external_id=revised.external_id, stars=5,
                                                     revised_at=at("2026-03-12")), actor=SYSTEM)
    session.commit()

    model_path = tmp_path / "stored.npz"
    result = runner.invoke(app, ["reviews", "train", "--shop", "tb", "--model", str(model_path)])
    assert result.exit_code == 0, result.output
    assert "rows read        123 from shop tb" in result.stdout
    assert "120 (60 positive, 60 negative; labels read as stored)" in result.stdout
    assert "1 neutral" in result.stdout and "1 default review" in result.stdout and "1 revised" in result.stdout
    model = load_model(model_path)
    assert set(model.categories) == {"酒店", "手机"} and model.info["source"] == "shop tb"
    hotel, phone = model.predict_proba(["小", "小"], ["酒店", "手机"])
    assert hotel < 0.5 < phone
    assert model.predict_proba(["房间很小"])[0] < 0.5 < model.predict_proba(["机身很小"])[0]

    both = runner.invoke(app, ["reviews", "train", "--shop", "tb", "--input", str(model_path)])
    assert both.exit_code == 2 and "not both" in both.output
    neither = runner.invoke(app, ["reviews", "train"])
    assert neither.exit_code == 2 and "--input / --shop" in neither.output
    bare = runner.invoke(app, ["reviews", "train", "--input", str(model_path)])
    assert bare.exit_code == 2 and "--text-column: required with --input" in bare.output


def test_train_from_a_shop_without_usable_reviews_names_the_option(session, tmp_path):
    from ..factories import make_shop
    from .helpers import order, record

    shop = make_shop(session, code="few", platform="taobao")
    record(session, shop, order(session, shop), text="很好", stars=5)
    record(session, shop, order(session, shop), text="一般", stars=3)
    session.commit()
    result = runner.invoke(app, ["reviews", "train", "--shop", "few", "--model", str(tmp_path / "few.npz")])
    assert result.exit_code == 2
    assert "--shop: no usable rows: training needs positive and negative reviews with text (1 usable; skipped: " \
           "1 neutral)" in result.output
    assert not (tmp_path / "few.npz").exists()


def test_a_category_column_is_found_by_its_name_unless_told_none(tmp_path):
    texts, labels, categories = two_category_reviews()
    source = write_csv(tmp_path / "named.csv", ["cat", "review", "label"],
                       [[c, t, y] for t, y, c in zip(texts, labels, categories, strict=True)])
    found = runner.invoke(app, ["reviews", "train", "--input", str(source), "--text-column", "review",
                                "--label-column", "label", "--model", str(tmp_path / "found.npz")])
    assert found.exit_code == 0, found.output
    assert "category column  'cat' (found by its name; --category-column none leaves it out)" in found.stdout
    assert set(load_model(tmp_path / "found.npz").categories) == {"酒店", "手机"}

    plain = runner.invoke(app, ["reviews", "train", "--input", str(source), "--text-column", "review",
                                "--label-column", "label", "--category-column", "none",
                                "--model", str(tmp_path / "plain.npz")])
    assert plain.exit_code == 0, plain.output
    assert "category column" not in plain.stdout and load_model(tmp_path / "plain.npz").categories == ()

    # A label column that happens to be called 分类/category is the label, never the category.
    labelled = write_csv(tmp_path / "label_named.csv", ["text", "category"],
                         [[t, y] for t, y in zip(texts, labels, strict=True)])
    result = runner.invoke(app, ["reviews", "train", "--input", str(labelled), "--text-column", "text",
                                 "--label-column", "category", "--model", str(tmp_path / "l.npz")])
    assert result.exit_code == 0, result.output
    assert "category column" not in result.stdout and load_model(tmp_path / "l.npz").categories == ()

    # classify finds 类目 the same way for a model trained with categories: 小 follows the column.
    tagged = write_csv(tmp_path / "in.csv", ["类目", "评价"], [["酒店", "小"], ["手机", "小"]])
    output = tmp_path / "out.csv"
    result = runner.invoke(app, ["reviews", "classify", "--input", str(tagged), "--text-column", "评价",
                                 "--output", str(output), "--model", str(tmp_path / "found.npz")])
    assert result.exit_code == 0, result.output
    assert "categories from column '类目'" in result.stdout
    assert [row[2] for row in read_csv(output)[1:]] == ["negative", "positive"]


def test_classified_file_carries_no_live_formula(tmp_path):
    """Issue 12 item 6: a review text written like a formula is written back as text, not run by Excel."""
    source = write_csv(tmp_path / "in.csv", ["id", "text"], [["=1+1", "不错"], ["r2", '=HYPERLINK("http://x","点")']])
    output = tmp_path / "out.csv"
    result = runner.invoke(app, ["reviews", "classify", "--input", str(source), "--text-column", "text",
                                 "--output", str(output)])
    assert result.exit_code == 0, result.output
    rows = read_csv(output)
    assert rows[1][0] == "'=1+1" and rows[2][1] == "'=HYPERLINK(\"http://x\",\"点\")"
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)

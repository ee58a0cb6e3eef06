"""Hostile and broken import files (issue 12 item 9): numbers out of range and non-positive sale lines are
rejected line by line with the good orders kept; encodings are recognised or refused, never garbled; compressed
input is bounded; the messages say what was really wrong."""

from __future__ import annotations

import gzip
import zipfile

import pytest

from shopcx.core.settings import get_settings
from shopcx.orders.models import Order

from .helpers import count, order, reject_lines, run_import

HEADER = "order_id,placed_at,customer_id,customer_name,sku,product_name,quantity,unit_price,status\n"


def _row(order_id: str, quantity: str = "1", price: str = "49.90", name: str = "王芳", sku: str = "CUP-1",
         product: str = "保温杯") -> str:
    return f"{order_id},2026-03-01 10:15:00,C-{order_id},{name},{sku},{product},{quantity},{price},completed\n"


def test_out_of_range_and_non_positive_sale_lines_are_rejected_and_the_rest_stored(session, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text(HEADER + _row("OK1") + _row("BIG", quantity="99999999999999999999")
                    + _row("PRICEY", price="99999999999999999999") + _row("NEG", quantity="-2")
                    + _row("ZERO", price="0") + _row("MINUS", price="-5.00") + _row("OK2", quantity="3"),
                    encoding="utf-8")
    job = run_import(session, path)
    assert job.status == "done", job.error
    assert (job.stored_rows, job.rejected_rows) == (2, 5)
    rejects = reject_lines(session, job.id)
    assert "quantity 99999999999999999999 is out of range" in rejects[3][1] and "数量超出范围" in rejects[3][1]
    assert "out of range" in rejects[4][1] and "金额超出范围" in rejects[4][1]
    assert "quantity -2 on a sale line must be 1 or more" in rejects[5][1]
    assert "unit price ¥0.00 on a sale line must be above zero" in rejects[6][1] and "单价" in rejects[6][1]
    assert "unit price -¥5.00 on a sale line" in rejects[7][1]
    assert order(session, "OK2").lines[0].quantity == 3
    assert count(session, Order) == 2


def test_a_huge_field_is_named_as_too_large(session, tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text(HEADER + _row("OK1") + _row("HUGE", name="x" * 50_000_000) + _row("OK2"), encoding="utf-8")
    job = run_import(session, path)
    assert job.status == "done", job.error
    rejects = reject_lines(session, job.id)
    [reason] = [reason for _, reason in rejects.values()]
    assert "field too large" in reason and "order_id is missing" not in reason
    assert job.stored_rows == 2


def test_garbage_named_xlsx_is_not_a_valid_workbook(session, tmp_path):
    path = tmp_path / "orders.xlsx"
    path.write_bytes(b"\x00\x01garbage that is no workbook at all\n" * 10)
    job = run_import(session, path)
    assert job.status == "failed" and "not a valid xlsx" in job.error and "CSV" not in job.error


# (buyer names, product) as a shop in that script writes them.
SCRIPTS = {"zh": (["王芳", "李雷", "张伟"], "保温杯"), "ja": (["山田太郎", "佐藤花子", "鈴木一郎"], "湯呑み茶碗"),
           "zh-tw": (["陳小明", "林美玲", "黃志強"], "保溫杯"), "fr": (["José Müller", "Zoë Brontë", "François Dupré"],
                                                                "Théière à l'ancienne")}


@pytest.mark.parametrize(("encoding", "script"), [("utf-8", "ja"), ("utf-8-sig", "zh"), ("utf-16", "zh"),
                                                  ("gb18030", "zh"), ("shift_jis", "ja"), ("big5", "zh-tw"),
                                                  ("latin-1", "fr")])
def test_each_encoding_is_read_as_written(session, tmp_path, encoding, script):
    from shopcx.orders.models import OrderLine

    names, product = SCRIPTS[script]
    body = HEADER + "".join(_row(f"E{n}-{k}", name=name, product=product)
                            for k in range(4) for n, name in enumerate(names))
    path = tmp_path / f"orders-{encoding}.csv"
    path.write_bytes(body.encode(encoding))
    job = run_import(session, path)
    assert job.status == "done", job.error
    assert (job.stored_rows, job.rejected_rows) == (12, 0)
    stored = {o.buyer_name or o.customer.name for o in session.query(Order).all()}
    assert stored == set(names), (encoding, stored)
    assert {line.name for line in session.query(OrderLine).all()} == {product}


def test_text_in_no_known_encoding_is_refused_not_garbled(session, tmp_path):
    path = tmp_path / "random.csv"
    noise = bytes((i * 7919 + 13) % 256 for i in range(4000))
    path.write_bytes(HEADER.encode() + noise.replace(b"\n", b" ") + b"\n")
    job = run_import(session, path)
    assert job.status == "failed" and "encoding" in job.error and count(session, Order) == 0


def test_compressed_inputs_are_bounded(session, tmp_path, monkeypatch):
    body = (HEADER + "".join(_row(f"Z{n}") for n in range(3000))).encode()
    zipped = tmp_path / "orders.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("orders.csv", body)
    ok = run_import(session, zipped)
    assert ok.status == "done" and ok.stored_rows == 3000, ok.error
    monkeypatch.setattr(get_settings(), "import_max_expanded_mb", 0)
    refused = run_import(session, zipped)
    assert refused.status == "failed" and "expands to" in refused.error and "MB" in refused.error
    gz = tmp_path / "orders.csv.gz"
    gz.write_bytes(gzip.compress(body))
    bomb = run_import(session, gz)
    assert bomb.status == "failed" and "expands to more than" in bomb.error


def test_row_and_order_line_limits(session, tmp_path, monkeypatch):
    one_order = HEADER + "".join(_row("BOMB", sku=f"S{n}") for n in range(60))
    path = tmp_path / "one-order.csv"
    path.write_text(one_order, encoding="utf-8")
    monkeypatch.setattr(get_settings(), "import_max_order_lines", 50)
    job = run_import(session, path)
    assert job.status == "failed" and "order BOMB has more than 50 lines" in job.error
    monkeypatch.setattr(get_settings(), "import_max_rows", 20)
    many = tmp_path / "many.csv"
    many.write_text(HEADER + "".join(_row(f"R{n}") for n in range(30)), encoding="utf-8")
    job = run_import(session, many)
    assert job.status == "failed" and "more than 20 rows" in job.error
    assert count(session, Order) == 0


def test_a_reimport_with_other_figures_is_rejected_with_what_differs(session, tmp_path):
    """Issue 12 item 9: total 500.00 against a stored 5.00 counted as unchanged. A file has no update time of its
    own to prove it newer, so the order is rejected naming both figures, and the stored one stays."""
    first = tmp_path / "first.csv"
    first.write_text(HEADER + _row("C1", price="5.00") + _row("C2"), encoding="utf-8")
    assert run_import(session, first).stored_rows == 2
    again = tmp_path / "again.csv"
    again.write_text(HEADER + _row("C1", price="500.00") + _row("C2"), encoding="utf-8")
    job = run_import(session, again)
    assert job.status == "done", job.error
    assert (job.stored_rows, job.unchanged_rows, job.rejected_rows) == (0, 1, 1)
    field, reason = reject_lines(session, job.id)[2]
    assert field == "goods_amount"
    assert "¥5.00 stored, ¥500.00 in this file" in reason and "未更新" in reason
    assert order(session, "C1").paid_amount == 500

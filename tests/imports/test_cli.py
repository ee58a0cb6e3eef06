"""`shopcx import …` through Typer's test runner (inside the test's rolled-back transaction)."""

from __future__ import annotations

import csv

from typer.testing import CliRunner

from shopcx.cli import app

from .helpers import SAMPLES, stats

runner = CliRunner()


def test_import_orders_prints_a_summary_and_writes_the_reject_report(session, tmp_path):
    report = tmp_path / "rejects.csv"
    result = runner.invoke(app, ["import", "orders", str(SAMPLES / "broken.csv"), "--format", "generic",
                                 "--rejects", str(report)])
    assert result.exit_code == 0, result.output
    assert "stored" in result.stdout and "lines/s" in result.stdout
    assert str(report) in result.output
    with open(report, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["line_no", "field", "reason", "raw"]
    assert [row[0] for row in rows[1:]] == ["3", "4", "5", "6", "7", "8", "10", "11", "12"]
    assert stats(session)["order_lines"] == 4


def test_reject_report_defaults_next_to_the_data_dir(session):
    from shopcx.core.settings import get_settings

    result = runner.invoke(app, ["import", "orders", str(SAMPLES / "broken.csv"), "--format", "generic"])
    assert result.exit_code == 0, result.output
    written = list((get_settings().data_dir / "imports").glob("import-*-rejects.csv"))
    assert written and any(str(path) in result.output for path in written)


def test_dry_run_and_taobao(session):
    result = runner.invoke(app, ["import", "orders", str(SAMPLES / "taobao.csv"), "--format", "taobao", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run" in result.stdout and "what it would" in result.stdout and stats(session)["orders"] == 0
    result = runner.invoke(app, ["import", "orders", str(SAMPLES / "taobao.csv"), "-f", "taobao"])
    assert result.exit_code == 0 and stats(session, "taobao")["orders"] == 5


def test_bad_arguments_exit_with_2(session, tmp_path):
    result = runner.invoke(app, ["import", "orders", str(SAMPLES / "generic.csv"), "--format", "ebay"])
    assert result.exit_code == 2 and "'ebay' is not one of generic, taobao" in result.output
    result = runner.invoke(app, ["import", "orders", str(tmp_path / "missing.csv"), "--format", "generic"])
    assert result.exit_code == 2 and "does not exist" in result.output
    result = runner.invoke(app, ["import", "orders", str(SAMPLES / "generic.csv"), "--format", "generic",
                                 "--shop", "nope"])
    assert result.exit_code == 2 and "no shop with code 'nope'" in result.output


def test_a_failed_job_exits_with_1(session):
    result = runner.invoke(app, ["import", "orders", str(SAMPLES / "generic.csv"), "--format", "cdnow"])
    assert result.exit_code == 1 and "import failed" in result.output


def test_import_customers(session):
    result = runner.invoke(app, ["import", "customers", str(SAMPLES / "customers.csv")])
    assert result.exit_code == 0, result.output
    assert "6 rejected lines" in result.output


def test_a_qianniu_export_is_imported_from_its_two_paths(session):
    result = runner.invoke(app, ["import", "orders", str(SAMPLES / "taobao_orders_report.csv"),
                                 str(SAMPLES / "taobao_items_report.csv"), "--format", "taobao"])
    assert result.exit_code == 0, result.output
    assert "taobao_orders_report.csv + taobao_items_report.csv" in result.output
    assert stats(session, "taobao")["order_lines"] == 4

"""The command line against a real, committed database (SQLite file or PostgreSQL)."""

import json
import os
import subprocess
import sys


def shopcx(url, *args, check=True):
    env = {**os.environ, "SHOPCX_DATABASE_URL": url}
    result = subprocess.run([sys.executable, "-m", "shopcx", *args], capture_output=True, text=True, env=env,
                            timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"shopcx {' '.join(args)} failed: {result.stdout}\n{result.stderr}")
    return result


def test_init_user_and_stats(fresh_db_url):
    shopcx(fresh_db_url, "init")
    shopcx(fresh_db_url, "init")  # idempotent
    created = shopcx(fresh_db_url, "user", "create", "boss", "--role", "owner")
    assert "password" in created.stdout
    duplicate = shopcx(fresh_db_url, "user", "create", "boss", check=False)
    assert duplicate.returncode == 2 and "taken" in duplicate.stdout
    figures = json.loads(shopcx(fresh_db_url, "stats", "--json").stdout)
    assert figures["customers"] == 0 and figures["orders"] == 0 and figures["net_revenue_minor"] == 0
    assert figures["currency"] is None  # no order, so no currency (none of the stored orders has one)
    token = shopcx(fresh_db_url, "user", "token", "erp", "--scope", "orders:read").stdout.strip()
    assert token.startswith("scx_")


def test_shops_webhook_key_is_entered_from_stdin_and_a_short_one_refused(fresh_db_url):
    shopcx(fresh_db_url, "init")
    env = {**os.environ, "SHOPCX_DATABASE_URL": fresh_db_url}
    entered = subprocess.run([sys.executable, "-m", "shopcx", "shops", "webhook-key", "main", "--stdin"],
                             input="shpss_cli_key_0123456789\n", capture_output=True, text=True, env=env, timeout=120)
    assert entered.returncode == 0, entered.stderr
    assert "key set" in shopcx(fresh_db_url, "shops", "list").stdout
    short = subprocess.run([sys.executable, "-m", "shopcx", "shops", "webhook-key", "main", "--stdin"],
                           input="abc\n", capture_output=True, text=True, env=env, timeout=120)
    assert short.returncode == 1 and "webhook_secret" in short.stderr and "字符" in short.stderr
    assert shopcx(fresh_db_url, "shops", "country", "main", "TR").returncode == 0
    assert "\tTR\t" in shopcx(fresh_db_url, "shops", "list").stdout


def test_commands_on_a_database_never_initialised_say_so_in_one_line(databases, tmp_path):
    fresh_db_url = databases.new_url()  # empty: not migrated
    sample = tmp_path / "orders.csv"
    sample.write_text("order_id,placed_at,sku,quantity,unit_price\nA1,2026-01-01 10:00,X,1,9.90\n", encoding="utf-8")
    for args in (("import", "orders", str(sample), "-f", "generic"), ("stats",), ("user", "list")):
        result = shopcx(fresh_db_url, *args, check=False)
        assert result.returncode == 1, args
        lines = (result.stdout + result.stderr).strip().splitlines()
        assert len(lines) == 1 and "is not initialised; run `shopcx init` first" in lines[0], (args, lines)
    assert "Usage: shopcx stats" in shopcx(fresh_db_url, "stats", "--help").stdout  # help needs no database
    shopcx(fresh_db_url, "init")
    assert shopcx(fresh_db_url, "import", "orders", str(sample), "-f", "generic").returncode == 0

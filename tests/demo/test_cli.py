"""`shopcx demo` as a user runs it, against committed databases (SQLite file or PostgreSQL)."""

import json
import os
import subprocess
import sys

from sqlalchemy import text

from shopcx.core import db
from shopcx.core.migrate import upgrade

# Registers the command when the main CLI does not have it yet, then runs the real `shopcx` app.
RUN = ("import sys; from shopcx.cli import app; from shopcx.demo.cli import register; "
       "names = {c.name or c.callback.__name__ for c in app.registered_commands}; "
       "'demo' in names or register(app); sys.argv[0] = 'shopcx'; app()")
ARGS = ("demo", "--seed", "3", "--customers", "300", "--until", "2026-06-30")
# Everything but the staff rows (generated passwords, creation time) and the audit/outbox times.
DUMP = (
    ("SELECT name, nickname, phone, email, gender, birthday_on, birthday_lunar_month, birthday_lunar_day, "
     "province, city, created_at FROM customer ORDER BY id"),
    ("SELECT customer_id, external_id, status, goods_amount, shipping_amount, discount_amount, paid_amount, "
     "refunded_amount, placed_at, paid_at, completed_at FROM shop_order ORDER BY id"),
    "SELECT order_id, line_no, sku, quantity, unit_price_amount, total_amount FROM order_line ORDER BY id",
    "SELECT order_id, from_status, to_status, at FROM order_status_change ORDER BY id",
    ("SELECT order_id, carrier, tracking_no, shipped_at, promised_at, delivered_at, damaged FROM shipment "
     "ORDER BY id"),
    "SELECT order_id, amount, reason, requested_at, completed_at FROM refund ORDER BY id",
    ("SELECT order_id, order_line_id, product_id, customer_id, external_id, stars, rating_class, first_class, "
     "is_default, dsr_description, dsr_service, dsr_logistics, text, reviewer_name, reviewed_at, reviewed_on, "
     "reply_text, replied_at, followup_text, followup_at, revision_count, polarity, aspects, hidden_negative "
     "FROM review ORDER BY id"),
    ("SELECT review_id, from_class, to_class, from_stars, to_stars, previous_text, revised_at, recorded_at "
     "FROM review_revision ORDER BY id"),
    "SELECT review_id, at, channel, result, note FROM review_contact ORDER BY id",
)


def shopcx(url, *args):
    env = {**os.environ, "SHOPCX_DATABASE_URL": url}
    return subprocess.run([sys.executable, "-c", RUN, *args], capture_output=True, text=True, env=env,
                          timeout=180, check=False)


def dump(url):
    engine = db.make_engine(url)
    with engine.connect() as conn:
        rows = [[tuple(str(v) for v in row) for row in conn.execute(text(sql))] for sql in DUMP]
    engine.dispose()
    return rows


def test_demo_prints_logins_refuses_a_second_run_and_resets(fresh_db_url):
    first = shopcx(fresh_db_url, *ARGS)
    assert first.returncode == 0, first.stderr
    assert "demo-owner" in first.stdout and "demo-analyst" in first.stdout and "http://" in first.stdout
    assert "--until 2026-06-30" in first.stdout
    assert " reviews (好评率 " in first.stdout
    # Issue 13, item 7: no "Open" before a server listens (`shopcx serve` says when); progress on stderr; the
    # customer-value pages start filled; the loyalty history is dated when it happened.
    assert "Open http" not in first.stdout and "once `shopcx serve` says the server is ready" in first.stdout
    assert "loyalty" in first.stderr and "analysis" in first.stderr
    assert "customers scored as of" in first.stdout
    engine = db.make_engine(fresh_db_url)
    with engine.connect() as conn:
        runs = conn.execute(text("SELECT status, shop_id, customers FROM analysis_run")).all()
        joined = conn.execute(text("SELECT count(DISTINCT substr(CAST(joined_at AS TEXT), 1, 10)) "
                                   "FROM loyalty_account")).scalar()
        rewards = conn.execute(text("SELECT count(*) FROM loyalty_reward")).scalar()
    engine.dispose()
    assert [(status, shop) for status, shop, _ in runs] == [("done", None)] and runs[0][2] > 250
    assert joined > 100 and rewards == 5
    again = shopcx(fresh_db_url, *ARGS)
    assert again.returncode == 2 and "already has" in again.stderr and "--reset" in again.stderr
    kept = shopcx(fresh_db_url, *ARGS, "--skip-existing")
    assert kept.returncode == 0 and "keeping the existing demo shop" in kept.stderr
    reset = shopcx(fresh_db_url, *ARGS, "--reset")
    assert reset.returncode == 0, reset.stderr
    assert "deleted the previous demo data" in reset.stdout and "'reviews': " in reset.stdout
    stats = subprocess.run([sys.executable, "-m", "shopcx", "stats", "--json", "--shop", "demo"],
                           capture_output=True, text=True, check=True,
                           env={**os.environ, "SHOPCX_DATABASE_URL": fresh_db_url})
    figures = json.loads(stats.stdout)
    assert figures["customers"] == 300 and figures["orders"] > 300 and figures["currency"] == "CNY"


def test_same_seed_and_until_give_identical_databases(fresh_db_url, databases):
    other = databases.new_url()
    engine = db.make_engine(other)
    upgrade(engine)
    engine.dispose()
    for url in (fresh_db_url, other):
        result = shopcx(url, *ARGS)
        assert result.returncode == 0, result.stderr
    assert dump(fresh_db_url) == dump(other)

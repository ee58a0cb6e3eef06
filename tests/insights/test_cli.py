"""`shopcx analyze` as a user runs it, against a committed database (SQLite file or PostgreSQL)."""

import json
import os
import subprocess
import sys

from sqlalchemy import text

from shopcx.core import db

# Registers the commands when the main CLI does not have them yet, then runs the real `shopcx` app.
RUN = ("import sys; from shopcx.cli import app; from shopcx.demo.cli import register as demo; "
       "from shopcx.insights.cli import register as analyze; "
       "names = {c.name or c.callback.__name__ for c in app.registered_commands}; "
       "'demo' in names or demo(app); 'analyze' in names or analyze(app); sys.argv[0] = 'shopcx'; app()")


def shopcx(url, *args):
    env = {**os.environ, "SHOPCX_DATABASE_URL": url}
    return subprocess.run([sys.executable, "-c", RUN, *args], capture_output=True, text=True, env=env,
                          timeout=300, check=False)


def test_analyze_prints_the_headline_and_appends_snapshots(fresh_db_url):
    made = shopcx(fresh_db_url, "demo", "--seed", "3", "--customers", "300", "--until", "2026-06-30")
    assert made.returncode == 0, made.stderr
    first = shopcx(fresh_db_url, "analyze", "--as-of", "2026-06-29", "--json")
    assert first.returncode == 0, first.stderr
    head = json.loads(first.stdout.strip().splitlines()[-1])
    assert head["status"] == "done" and head["as_of"] == "2026-06-29" and head["customers"] > 100
    assert 0 < head["top20_share"] < 1 and 0 < head["repurchase_rate"] < 1 and head["bgnbd"]["r"] > 0
    assert "store" in first.stderr  # the progress bar's last step, on stderr
    plain = shopcx(fresh_db_url, "analyze", "--as-of", "2026-06-30", "--shop", "demo")
    assert plain.returncode == 0, plain.stderr
    assert "revenue from the top 20%" in plain.stdout and "stage first_time" in plain.stdout
    engine = db.make_engine(fresh_db_url)
    try:
        with engine.connect() as conn:
            runs = conn.execute(text("SELECT id, customers FROM analysis_run ORDER BY id")).all()
            per_run = dict(conn.execute(text("SELECT run_id, count(*) FROM customer_score GROUP BY run_id")).all())
    finally:
        engine.dispose()
    # the demo runs the first analysis itself (issue 13 item 7), then the two above append theirs
    assert len(runs) == 3 and all(per_run[run_id] == customers for run_id, customers in runs)


def test_analyze_refuses_bad_input(fresh_db_url):
    bad_date = shopcx(fresh_db_url, "analyze", "--as-of", "31/12/2026")
    assert bad_date.returncode == 2 and "--as-of" in bad_date.stderr
    no_shop = shopcx(fresh_db_url, "analyze", "--shop", "nowhere")
    assert no_shop.returncode == 2 and "nowhere" in no_shop.stderr

"""Import the UCI Online Retail file through the real import path and compare with the raw driver.

For each backend (SQLite file, PostgreSQL temporary database) and in the same run:
- `import`: `create_job` + `run_job` on a fresh, migrated database (parse, group, maps, batches, commits);
- `raw`: the same parsed rows (customers, identities, products, orders, lines, status changes), prepared
  before the clock starts, inserted by the bare driver into another fresh database: sqlite3 `executemany`
  on a connection with the application's pragmas (and the importer's page cache), psycopg `COPY`.
The ratio is import lines/s ÷ raw lines/s (target ≥ 0.40; whole file < 30 s on SQLite).

`--taobao N` measures a generated 千牛 export of N orders instead (bench/taobao_pair.py: the 订单报表 and the
宝贝报表 in one zip, joined on 订单编号 by the import; lines are the 宝贝报表's item rows); `--shopify N` a generated
Shopify order export of N line rows (bench/shopify_export.py).

    .venv/bin/python bench/import_bench.py [--file PATH | --taobao 200000 | --shopify 1000000] [--repeat N]
        [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import UTC
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from benchdb import Databases  # noqa: E402

from shopcx.core import clock, db  # noqa: E402
from shopcx.imports import service  # noqa: E402
from shopcx.imports.formats import get_format  # noqa: E402
from shopcx.imports.formats.base import Context, Parsers  # noqa: E402
from shopcx.imports.order_import import parse_file  # noqa: E402
from shopcx.imports.writer import HISTORY_COLUMNS, LINE_COLUMNS, ORDER_COLUMNS  # noqa: E402

DEFAULT_FILE = ROOT.parent / "shared" / "data" / "online_retail_uci" / "online_retail.csv.gz"
SOURCE = "online-retail"


def raw_rows(path: Path, format: str = SOURCE) -> dict[str, list[tuple]]:
    """The rows the importer would write, with ids assigned here (the raw driver's best case)."""
    fmt = get_format(format)
    shop = fmt.DEFAULT_SHOP
    currency, timezone = shop.currency or "GBP", shop.timezone or "Europe/London"
    parsed = parse_file(fmt, path, Context(currency=currency, parsers=Parsers(timezone), source=fmt.SOURCE))
    now = clock.now()
    customers: dict[str, int] = {}
    products: dict[str, int] = {}
    rows: dict[str, list[tuple]] = {name: [] for name in ("shop", "customer", "customer_identity", "product",
                                                          "shop_order", "order_line", "order_status_change")}
    rows["shop"].append((1, shop.code, shop.name, shop.platform, timezone, currency, True, now))
    for order_id, (head, lines) in enumerate(parsed.orders, start=1):
        key = head.customer_key
        if key is not None and key not in customers:
            customers[key] = len(customers) + 1
            rows["customer"].append((customers[key], "unknown", False, head.customer_country, "{}", now, now))
            rows["customer_identity"].append((customers[key], 1, fmt.SOURCE, key, now))
        goods = 0
        for position, line in enumerate(lines, start=1):
            sku = line[1]
            if sku not in products:
                products[sku] = len(products) + 1
                rows["product"].append((products[sku], 1, sku, line[2], None, line[5], currency, True, now, now))
            rows["order_line"].append((order_id, position, products[sku], sku, line[2], line[4], line[5], line[6]))
            goods += line[6]
        if head.lines_missing:
            goods = head.goods_amount or 0
        paid = head.paid_amount if head.paid_amount is not None else \
            goods + head.shipping_amount - head.discount_amount + (0 if head.taxes_included else head.tax_amount)
        rows["shop_order"].append((
            order_id, 1, fmt.SOURCE, head.external_id, customers.get(key), head.kind, head.status, currency, goods,
            head.shipping_amount, head.discount_amount, paid, head.refunded_amount,
            sum(line[4] for line in lines if line[4] > 0), head.buyer_name, head.ship_country, head.ship_province,
            head.ship_city, None, head.placed_at, head.paid_at, head.placed_at, now, now, head.tax_amount,
            head.taxes_included, head.lines_missing))
        rows["order_status_change"].append((order_id, None, head.status, now, "bench", "imported"))
    return rows


COLUMNS = {
    "shop": ("id", "code", "name", "platform", "timezone", "currency", "is_active", "created_at"),
    "customer": ("id", "gender", "birthday_is_leap_month", "country", "preferences", "created_at", "updated_at"),
    "customer_identity": ("customer_id", "shop_id", "source", "external_id", "created_at"),
    "product": ("id", "shop_id", "sku", "name", "category", "price_amount", "currency", "is_active", "created_at",
                "updated_at"),
    "shop_order": ("id",) + ORDER_COLUMNS,
    "order_line": LINE_COLUMNS,
    "order_status_change": HISTORY_COLUMNS,
}


def _sqlite_value(value):
    if hasattr(value, "tzinfo"):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite format
    if isinstance(value, bool):
        return int(value)
    return value


def raw_sqlite(path: Path, rows: dict[str, list[tuple]]) -> float:
    prepared = {table: [tuple(_sqlite_value(v) for v in row) for row in values] for table, values in rows.items()}
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL", "cache_size=-65536"):
        connection.execute(f"PRAGMA {pragma}")
    start = time.perf_counter()
    connection.execute("BEGIN")
    for table, values in prepared.items():
        names = COLUMNS[table]
        connection.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                               values)
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def raw_postgresql(url: str, rows: dict[str, list[tuple]]) -> float:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        start = time.perf_counter()
        with connection.cursor() as cursor:
            for table, values in rows.items():
                with cursor.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
        connection.commit()
        return time.perf_counter() - start


def run_import(url: str, path: Path, format: str = SOURCE) -> tuple[float, dict]:
    """The real import path in a fresh interpreter, as the CLI runs it (no benchmark data on its heap)."""
    import subprocess

    out = subprocess.run([sys.executable, __file__, "--child-import", url, "--file", str(path), "--format", format],
                         check=True, capture_output=True, text=True).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    return figures.pop("seconds"), figures


def child_import(url: str, path: Path, format: str) -> None:
    db.configure(url)
    with db.session_scope() as session:
        job_id = service.create_job(session, kind="orders", format=format, filename=path.name,
                                    shop_code=None, actor_label="bench").id
    start = time.perf_counter()
    job = service.run_job(job_id, path)
    elapsed = time.perf_counter() - start
    assert job.status == "done", job.error
    db.get_engine().dispose()
    print(json.dumps({"seconds": elapsed, "stored": job.stored_rows, "rejected": job.rejected_rows,
                      "total": job.total_rows}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs of each measurement")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--taobao", type=int, metavar="ORDERS", help="a generated 千牛 export pair of ORDERS orders")
    parser.add_argument("--shopify", type=int, metavar="LINES", help="a generated Shopify export of LINES line rows")
    parser.add_argument("--child-import", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--format", default=SOURCE, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_import:
        child_import(args.child_import, args.file, args.format)
        return
    results = []
    with tempfile.TemporaryDirectory(prefix="shopcx-bench-") as tmp:
        if args.taobao:
            from taobao_pair import generate

            print(f"generating a 千牛 export of {args.taobao:,} orders …", file=sys.stderr)
            args.file, args.format = generate(args.taobao, Path(tmp)), "taobao"
        elif args.shopify:
            from shopify_export import generate as generate_shopify

            print(f"generating a Shopify export of {args.shopify:,} line rows …", file=sys.stderr)
            args.file, args.format = generate_shopify(args.shopify, Path(tmp)), "shopify"
        print(f"preparing raw rows from {args.file} …", file=sys.stderr)
        rows = raw_rows(args.file, args.format)
        lines = len(rows["order_line"])
        dbs = Databases(Path(tmp))
        try:
            for backend in args.backends.split(","):
                imports, raws, figures = [], [], {}
                for _ in range(args.repeat):
                    seconds, figures = run_import(dbs.fresh(backend), args.file, args.format)
                    imports.append(seconds)
                    url = dbs.fresh(backend)
                    raws.append(raw_sqlite(Path(url.split("///", 1)[1]), rows) if backend == "sqlite"
                                else raw_postgresql(url, rows))
                seconds, raw = min(imports), min(raws)
                results.append({"backend": backend, "lines": lines, "seconds": round(seconds, 2),
                                "lines_per_s": round(lines / seconds), "raw_seconds": round(raw, 2),
                                "raw_lines_per_s": round(lines / raw), "ratio": round(raw / seconds, 3),
                                "stored": figures["stored"], "rejected": figures["rejected"]})
        finally:
            dbs.drop()
    print(f"{'backend':<12}{'seconds':>9}{'lines/s':>10}{'raw s':>8}{'raw lines/s':>13}{'ratio':>7}")
    for r in results:
        print(f"{r['backend']:<12}{r['seconds']:>9.2f}{r['lines_per_s']:>10,}{r['raw_seconds']:>8.2f}"
              f"{r['raw_lines_per_s']:>13,}{r['ratio']:>7.2f}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({"file": str(args.file), "lines": lines, "results": results, "peak_rss_mb": peak_mb,
                      "load_average": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()

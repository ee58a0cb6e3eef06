"""Large shops written straight into PostgreSQL with COPY, for the benchmarks that need a million customers
(bench/care_audience.py, bench/home_bench.py): the ORM path (the demo generator) takes hours at that size.

`add_customers` writes a shop's buyers (customer, identity, consents, tags); `add_history` writes what a shop of
that many buyers has after two years, in the demo shop's proportions (`shopcx demo`, 2,000 customers: 2.2 orders,
1.7 lines, 1.8 reviews and 8.6 ledger lines per customer): orders and their lines and shipments, reviews with DSR
ratings, loyalty accounts with a ledger and lots that add up to their balances, and tickets with SLA clocks (~2 %
of orders, which the demo has none of). Every row is drawn from `numpy.random.default_rng(seed)`, relative to
`end` (the moment the history stops; the benches freeze the clock there, so a kept database gives the same figures
on any later day).
"""

from __future__ import annotations

import io
import itertools
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import text

END = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # a Wednesday, 10:00 in Shanghai: where the histories stop
NULL = "\\N"
CHUNK = 500_000
CARRIERS = ("中通", "圆通", "韵达", "顺丰", "EMS", "京东物流")
CARRIER_SHARE = (0.28, 0.20, 0.18, 0.13, 0.08, 0.13)
TIERS = ("member", "silver", "gold", "diamond")  # the default program's tiers; shares as in the demo shop
TIER_SHARE = (0.826, 0.129, 0.036, 0.009)
TICKET_CATEGORIES = ("quality", "description", "service", "logistics", "packaging", "price", "other")
REVIEW_TEXT = ("质量很好，物流也快", "和描述一致，满意", "包装有点破损", "客服态度一般", "发货太慢了", "不错，会回购")


def copy_text(conn, table: str, columns: list[str], rows: io.StringIO) -> None:
    """COPY text-format rows (tab-separated, \\N for NULL) into table through the connection's driver."""
    rows.seek(0)
    with conn.connection.dbapi_connection.cursor() as cur, \
            cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        while chunk := rows.read(1 << 20):
            copy.write(chunk)


def _text(values, n: int):
    """One column as n text fields: a NumPy array (datetime64 → ISO UTC, bool → t/f, NaT/None → NULL) or one
    value repeated."""
    if not isinstance(values, np.ndarray):
        one = NULL if values is None else ("t" if values else "f") if isinstance(values, bool) else str(values)
        return itertools.repeat(one, n)
    if values.dtype.kind == "M":
        out = np.char.add(np.datetime_as_string(values, unit="s"), "Z")
        return np.where(np.isnat(values), NULL, out).tolist()
    if values.dtype.kind == "b":
        return np.where(values, "t", "f").tolist()
    if values.dtype.kind == "O":
        return [NULL if v is None else str(v) for v in values]
    return values.astype(str).tolist()


def copy_columns(conn, table: str, columns: dict[str, object]) -> None:
    """COPY rows given by column: each a NumPy array (all of one length) or one value for every row."""
    n = next(len(v) for v in columns.values() if isinstance(v, np.ndarray))
    for lo in range(0, n, CHUNK):
        part = {k: v[lo:lo + CHUNK] if isinstance(v, np.ndarray) else v for k, v in columns.items()}
        m = min(CHUNK, n - lo)
        buf = io.StringIO()
        buf.writelines("\t".join(row) + "\n" for row in zip(*(_text(v, m) for v in part.values()), strict=True))
        copy_text(conn, table, list(columns), buf)


def next_id(conn, table: str) -> int:
    return conn.execute(text(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")).scalar()


def sync_sequences(conn, tables: tuple[str, ...]) -> None:
    """Move each table's id sequence past the ids written here, so the application's inserts do not collide."""
    for table in tables:
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                          f"(SELECT coalesce(max(id), 1) FROM {table}))"))


def add_shop(conn, code: str, now: datetime) -> int:
    return conn.execute(text("INSERT INTO shop (code, name, platform, timezone, currency, is_active, created_at) "
                             "VALUES (:code, :code, 'taobao', 'Asia/Shanghai', 'CNY', true, :now) RETURNING id"),
                        {"code": code, "now": now}).scalar()


def add_customers(conn, rng: np.random.Generator, shop_id: int, n: int, now: datetime) -> np.ndarray:
    """n customers of the shop with an identity each, e-mail consent for ~70 % (granted or refused), SMS consent
    for ~40 %, the tag 'vip' for ~10 %; returns their ids."""
    first = next_id(conn, "customer")
    ids = np.arange(first, first + n)
    copy_columns(conn, "customer", {"id": ids, "name": np.char.add("顾客", ids.astype(str)), "gender": "unknown",
                                    "birthday_is_leap_month": False, "preferences": "{}", "created_at": now,
                                    "updated_at": now})
    copy_columns(conn, "customer_identity", {"customer_id": ids, "shop_id": shop_id, "source": "taobao",
                                             "external_id": np.char.add("b", ids.astype(str)), "created_at": now})
    email, sms = rng.random(n) < 0.7, ids[rng.random(n) < 0.4]
    copy_columns(conn, "customer_consent", {"customer_id": np.concatenate([ids, sms]),
                                            "channel": np.array(["email"] * n + ["sms"] * len(sms)),
                                            "granted": np.concatenate([email, np.ones(len(sms), bool)]),
                                            "source": "import", "changed_at": now})
    copy_columns(conn, "customer_tag", {"customer_id": ids[rng.random(n) < 0.1], "tag": "vip"})
    sync_sequences(conn, ("customer",))
    return ids


def _ids(conn, table: str, n: int) -> np.ndarray:
    first = next_id(conn, table)
    return np.arange(first, first + n, dtype=np.int64)


def _at(base: np.datetime64, seconds) -> np.ndarray:
    return base + np.asarray(seconds, dtype="timedelta64[s]")


def add_history(conn, rng: np.random.Generator, shop_id: int, customers: np.ndarray, *, end: datetime,
                program_id: int, years: int = 2) -> dict:
    """Two years of a shop's orders, reviews, ledger and tickets for `customers` (see the module docstring);
    returns the rows written per table."""
    n = len(customers)
    span = years * 365 * 86_400
    end64 = np.datetime64(end.replace(tzinfo=None), "s")
    start64 = end64 - np.timedelta64(span, "s")
    # Products: 60, prices 29–599 yuan.
    products = _ids(conn, "product", 60)
    price = rng.integers(29, 600, len(products)) * 100
    copy_columns(conn, "product", {"id": products, "shop_id": shop_id, "sku": np.char.add("SKU", products.astype(str)),
                                   "name": np.char.add("商品", products.astype(str)), "currency": "CNY",
                                   "is_active": True, "price_amount": price, "created_at": f"{start64}Z",
                                   "updated_at": f"{start64}Z"})
    # Orders: each buyer joins at a uniform moment and places Geometric orders (mean 2.24) until an exponential
    # lifetime (mean 500 days) ends, so some have dropped out by the end (as bench/analyze_bench.py draws them).
    joined = rng.integers(0, span, n)
    alive = np.minimum(rng.exponential(500 * 86_400, n).astype(np.int64), span - joined)
    per = rng.geometric(1 / 2.24, n)
    buyer = np.repeat(np.arange(n), per)
    m = len(buyer)
    placed_s = joined[buyer] + (rng.random(m) * alive[buyer]).astype(np.int64)
    order_ids = _ids(conn, "shop_order", m)
    age_days = (span - placed_s) / 86_400
    roll = rng.random(m)
    status = np.where(roll < 0.03, "cancelled", np.where(roll < 0.044, "refunded", "completed")).astype(object)
    status[(age_days < 12) & (status == "completed")] = "delivered"
    status[(age_days < 4) & (status != "cancelled")] = "shipped"
    status[(age_days < 1) & (status != "cancelled")] = "paid"
    paid = status != "cancelled"
    completed = np.isin(status, ["completed", "refunded"])
    product_of = rng.integers(0, len(products), m)
    two = rng.random(m) < 0.7
    amount = price[product_of] + np.where(two, price[rng.integers(0, len(products), m)], 0)
    placed = _at(start64, placed_s)
    paid_at = np.where(paid, placed + np.timedelta64(600, "s"), np.datetime64("NaT"))
    completed_at = np.where(completed, placed + np.timedelta64(10 * 86_400, "s"), np.datetime64("NaT"))
    refunded = np.where(status == "refunded", amount, 0)
    copy_columns(conn, "shop_order", {
        "id": order_ids, "shop_id": shop_id, "customer_id": customers[buyer], "source": "taobao",
        "external_id": np.char.add("T", order_ids.astype(str)), "kind": "sale", "status": status.astype(str),
        "currency": "CNY", "goods_amount": amount, "shipping_amount": 0, "discount_amount": 0, "paid_amount": amount,
        "refunded_amount": refunded, "item_count": 1 + two, "placed_at": placed, "paid_at": paid_at,
        "completed_at": completed_at, "created_at": placed, "updated_at": placed})
    line_order = np.concatenate([np.arange(m), np.flatnonzero(two)])
    line_no = np.concatenate([np.ones(m, np.int64), np.full(int(two.sum()), 2)])
    line_product = np.concatenate([product_of, rng.integers(0, len(products), int(two.sum()))])
    line_ids = _ids(conn, "order_line", len(line_order))
    copy_columns(conn, "order_line", {"id": line_ids, "order_id": order_ids[line_order], "line_no": line_no,
                                      "product_id": products[line_product],
                                      "sku": np.char.add("SKU", products[line_product].astype(str)), "quantity": 1,
                                      "unit_price_amount": price[line_product], "total_amount": price[line_product]})
    # Shipments: every paid order; promised three days after paying, ~10 % late, 1 % damaged.
    shipped = np.flatnonzero(paid & (status != "paid"))
    carrier = rng.choice(len(CARRIERS), len(shipped), p=CARRIER_SHARE)
    late = rng.random(len(shipped)) < 0.1
    delivered = np.isin(status[shipped], ["delivered", "completed", "refunded"])
    ship_at = placed[shipped] + np.timedelta64(86_400, "s")
    delivered_at = np.where(delivered, ship_at + np.where(late, 4 * 86_400, 2 * 86_400).astype("timedelta64[s]"),
                            np.datetime64("NaT"))
    copy_columns(conn, "shipment", {"order_id": order_ids[shipped], "carrier": np.array(CARRIERS)[carrier],
                                    "tracking_no": np.char.add("YT", order_ids[shipped].astype(str)),
                                    "shipped_at": ship_at, "promised_at": ship_at + np.timedelta64(2 * 86_400, "s"),
                                    "delivered_at": delivered_at, "damaged": rng.random(len(shipped)) < 0.01})
    # Reviews: ~79 % of completed orders, within 15 days; 好 93 % (9 % of all the platform's default 好评), 中 3 %,
    # 差 4 %, 1 % of 差/中 revised to 好; stars and DSR drawn around each class.
    reviewed = np.flatnonzero(completed & (rng.random(m) < 0.79))
    r = len(reviewed)
    roll = rng.random(r)
    first = np.where(roll < 0.04, "bad", np.where(roll < 0.07, "neutral", "good"))
    now_class = np.where((first != "good") & (rng.random(r) < 0.15), "good", first)
    default = (first == "good") & (rng.random(r) < 0.1)
    stars = np.where(first == "bad", rng.integers(1, 3, r), np.where(first == "neutral", 3, rng.integers(4, 6, r)))
    dsr = {dim: np.clip(np.where(first == "bad", rng.integers(1, 5, r), rng.integers(4, 6, r)), 1, 5)
           for dim in ("dsr_description", "dsr_service", "dsr_logistics")}
    reviewed_at = completed_at[reviewed] + (rng.random(r) * 15 * 86_400).astype("timedelta64[s]")
    reviewed_at = np.minimum(reviewed_at, end64)
    words = np.array(REVIEW_TEXT, dtype=object)[rng.integers(0, len(REVIEW_TEXT), r)]
    copy_columns(conn, "review", {
        "shop_id": shop_id, "platform": "taobao", "external_id": np.char.add("R", order_ids[reviewed].astype(str)),
        "order_id": order_ids[reviewed], "order_line_id": line_ids[reviewed],
        "product_id": products[product_of[reviewed]],
        "customer_id": customers[buyer[reviewed]], "rating_class": now_class, "first_class": first,
        "is_default": default, "stars": np.where(default, None, stars.astype(object)), "image_urls": "[]",
        **{k: np.where(default, None, v.astype(object)) for k, v in dsr.items()},
        "text": np.where(default | (rng.random(r) < 0.2), None, words), "reviewed_at": reviewed_at,
        "reviewed_on": reviewed_at.astype("datetime64[D]").astype(str), "revision_count": (now_class != first) * 1,
        "aspects": "[]", "hidden_negative": False, "created_at": reviewed_at, "updated_at": reviewed_at})
    ledger = _ledger(conn, rng, shop_id, customers, buyer, paid, completed, status, amount, placed, completed_at,
                     order_ids, end64=end64, program_id=program_id)
    tickets = _tickets(conn, rng, shop_id, customers[buyer], order_ids, placed, end64=end64)
    sync_sequences(conn, ("product", "shop_order", "order_line", "shipment", "review"))
    return {"orders": m, "order_lines": len(line_ids), "shipments": len(shipped), "reviews": r, **ledger, **tickets}


def _ledger(conn, rng, shop_id, customers, buyer, paid, completed, status, amount, placed, completed_at, order_ids,
            *, end64, program_id) -> dict:
    """Accounts for every buyer with a paid order; per paid order an 'earn' (pending, 1 point per yuan), and once
    completed an 'activate' with its lot (expiring after a year: an 'expire' line once past, its lot emptied);
    a refunded order's points reversed; 50 points for joining. Balances are the sums of the lines."""
    n = len(customers)
    members = np.unique(buyer[paid])
    account_of = np.full(n, -1)
    account_ids = _ids(conn, "loyalty_account", len(members))
    account_of[members] = np.arange(len(members))
    kinds, reasons, points, pending, acct, orders_, at, lot_expires = [], [], [], [], [], [], [], []

    def add(kind, reason, pts, pend, who, order, when, expires=None):
        kinds.append(np.full(len(who), kind))
        reasons.append(np.full(len(who), reason))
        points.append(np.asarray(pts, np.int64))
        pending.append(np.asarray(pend, np.int64))
        acct.append(account_of[who])
        orders_.append(order)
        at.append(when)
        lot_expires.append(expires if expires is not None else np.full(len(who), np.datetime64("NaT", "D")))

    first_paid = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_paid, buyer[paid], placed[paid].astype(np.int64))
    join_at = first_paid[members].astype("datetime64[s]")
    add("earn", "join", np.full(len(members), 50), np.zeros(len(members)), members,
        np.full(len(members), None, object), join_at, (join_at + np.timedelta64(365, "D")).astype("datetime64[D]"))
    earned = np.flatnonzero(paid)
    pts = amount[earned] // 100
    add("earn", "order", np.zeros(len(earned)), pts, buyer[earned], order_ids[earned].astype(object),
        placed[earned] + np.timedelta64(600, "s"))
    done = np.flatnonzero(completed)
    expires = (completed_at[done] + np.timedelta64(365, "D")).astype("datetime64[D]")
    add("activate", "order", amount[done] // 100, -(amount[done] // 100), buyer[done], order_ids[done].astype(object),
        completed_at[done], expires)
    refunded = np.flatnonzero(status == "refunded")
    add("reverse", "refund", -(amount[refunded] // 100), np.zeros(len(refunded)), buyer[refunded],
        order_ids[refunded].astype(object), completed_at[refunded] + np.timedelta64(86_400, "s"))
    kind, reason, pts, pend = (np.concatenate(x) for x in (kinds, reasons, points, pending))
    acc, order, when, lot_end = (np.concatenate(x) for x in (acct, orders_, at, lot_expires))
    entry_ids = _ids(conn, "points_entry", len(kind))
    # Lots: one per line that made points available; a refunded order's lot is emptied by its reversal, a lot past
    # its date by an 'expire' line.
    lots = np.flatnonzero(~np.isnat(lot_end))
    reversed_orders = set(order_ids[refunded].tolist())
    remaining = pts[lots].copy()
    remaining[np.array([o in reversed_orders for o in order[lots]], bool)] = 0
    past = lot_end[lots] <= end64.astype("datetime64[D]")
    expire_pts = np.where(past, remaining, 0)
    remaining[past] = 0
    exp = np.flatnonzero(expire_pts > 0)
    expire_ids = entry_ids[-1] + 1 + np.arange(len(exp))
    all_ids = np.concatenate([entry_ids, expire_ids])
    kind = np.concatenate([kind, np.full(len(exp), "expire")])
    reason = np.concatenate([reason, np.full(len(exp), "expiry")])
    pts = np.concatenate([pts, -expire_pts[exp]])
    pend = np.concatenate([pend, np.zeros(len(exp), np.int64)])
    acc = np.concatenate([acc, acc[lots][exp]])
    order = np.concatenate([order, np.full(len(exp), None, object)])
    when = np.concatenate([when, lot_end[lots][exp].astype("datetime64[s]")])
    balance = np.bincount(acc, weights=pts, minlength=len(members)).astype(np.int64)
    pending_balance = np.bincount(acc, weights=pend, minlength=len(members)).astype(np.int64)
    earned_total = np.bincount(acc, weights=np.where(pts > 0, pts, 0), minlength=len(members)).astype(np.int64)
    expired_total = np.bincount(acc, weights=np.where(kind == "expire", -pts, 0), minlength=len(members))
    tier = np.array(TIERS)[rng.choice(len(TIERS), len(members), p=TIER_SHARE)]
    copy_columns(conn, "loyalty_account", {
        "id": account_ids, "program_id": program_id, "shop_id": shop_id, "customer_id": customers[members],
        "balance": balance, "pending_balance": pending_balance, "shortfall": 0, "lifetime_earned": earned_total,
        "lifetime_redeemed": 0, "lifetime_expired": expired_total.astype(np.int64), "tier_code": tier,
        "referral_code": np.char.add("B", account_ids.astype(str)), "joined_at": join_at, "version": 0,
        "updated_at": f"{end64}Z"})
    copy_columns(conn, "points_entry", {
        "id": all_ids, "account_id": account_ids[acc], "kind": kind, "points": pts, "pending_points": pend,
        "shortfall": 0, "reason": reason, "idempotency_key": np.char.add("b", all_ids.astype(str)), "detail": "{}",
        "order_id": order, "actor": "system", "created_at": when})
    copy_columns(conn, "points_lot", {"account_id": account_ids[acc[lots]], "entry_id": entry_ids[lots],
                                      "points": pts[lots], "remaining": remaining,
                                      "expires_on": lot_end[lots].astype(str),
                                      "created_at": when[lots]})
    sync_sequences(conn, ("loyalty_account", "points_entry", "points_lot"))
    return {"loyalty_accounts": len(members), "points_entries": len(all_ids), "points_lots": len(lots)}


def _tickets(conn, rng, shop_id, buyers, order_ids, placed, *, end64) -> dict:
    """~2 % of orders bring a ticket 1–10 days later; those older than 3 days are closed, the rest open; two SLA
    clocks each (first response in 2 h, resolution in 24 h, wall time), ~8 % and ~12 % missed."""
    chosen = np.flatnonzero(rng.random(len(order_ids)) < 0.02)
    opened = placed[chosen] + (rng.integers(1, 11, len(chosen)) * 86_400).astype("timedelta64[s]")
    keep = opened < end64
    chosen, opened = chosen[keep], opened[keep]
    t = len(chosen)
    ids = _ids(conn, "ticket", t)
    old = opened < end64 - np.timedelta64(3 * 86_400, "s")
    status = np.where(old, "closed", np.array(["new", "open", "waiting_buyer"])[rng.integers(0, 3, t)])
    late_first, late_fix = rng.random(t) < 0.08, rng.random(t) < 0.12
    answered = opened + np.where(late_first, 3 * 3600, 1800).astype("timedelta64[s]")
    answered = np.where(status == "new", np.datetime64("NaT"), answered)
    resolved = np.where(old, opened + np.where(late_fix, 30 * 3600, 6 * 3600).astype("timedelta64[s]"),
                        np.datetime64("NaT"))
    copy_columns(conn, "ticket", {
        "id": ids, "shop_id": shop_id, "customer_id": buyers[chosen], "order_id": order_ids[chosen],
        "channel": "chat", "subject": np.char.add("订单问题 #", order_ids[chosen].astype(str)),
        "category": np.array(TICKET_CATEGORIES)[rng.integers(0, len(TICKET_CATEGORIES), t)], "priority": "normal",
        "status": status, "tags": "[]", "created_by": "bench", "created_at": opened, "updated_at": opened,
        "first_response_at": answered, "resolved_at": resolved, "closed_at": resolved})
    for metric, minutes, stopped in (("first_response", 120, answered), ("resolution", 1440, resolved)):
        due = opened + np.timedelta64(minutes * 60, "s")
        copy_columns(conn, "ticket_sla", {"ticket_id": ids, "metric": metric, "started_at": opened,
                                          "target_minutes": minutes, "due_at": due, "stopped_at": stopped,
                                          "breached": ~np.isnat(stopped) & (stopped > due)})
    sync_sequences(conn, ("ticket", "ticket_sla"))
    return {"tickets": t, "open_tickets": int((~old).sum())}

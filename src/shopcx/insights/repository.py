"""All customer-value queries: the tidy transactions as NumPy arrays, bulk score inserts, runs and score pages.

Transactions are the paid sale orders (status in orders.rules.PAID_STATUSES, kind 'sale', with a customer),
amount = paid_amount − refunded_amount (net of refunds); an order refunded in full (net ≤ 0) is no purchase.
The day of an order is its calendar day in its shop's timezone, as days since 1970-01-01.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import and_, exists, func, or_, select, text, update
from sqlalchemy.orm import Session

from ..core import clock
from ..core.db import note_bulk_write
from ..core.errors import NotFound
from ..customers.models import Customer, CustomerIdentity
from ..orders.models import Order
from ..orders.rules import PAID_STATUSES
from ..shops.models import Shop
from .tables import AnalysisRun, CustomerScore

FETCH_ROWS = 200_000  # rows per fetchmany on SQLite
ID_CHUNK = 2_000_000  # order ids per aggregate query on PostgreSQL (each answer stays well below 1 GB)
_PAID = tuple(sorted(PAID_STATUSES))
_EPOCH = date(1970, 1, 1)
_RECORD = np.dtype([("customer_id", ">i8"), ("day", ">i4"), ("amount", ">i8")])

SCORE_COLUMNS = ("run_id", "customer_id", "stage", "segment", "r_score", "f_score", "m_score", "recency_days",
                 "orders", "monetary_amount", "p_alive", "expected_purchases", "expected_order_amount",
                 "clv_amount", "churn_risk", "next_purchase_on", "value_at_stake_amount")


@dataclass(frozen=True)
class TxArrays:
    """The tidy transactions table: one row per paid sale order; `day` = local days since 1970-01-01."""

    customer_id: np.ndarray  # int64
    day: np.ndarray  # int64
    amount: np.ndarray  # int64 minor units, net of refunds

    def __len__(self) -> int:
        return len(self.customer_id)


def _sale_filter(shop_id: int | None, currency: str) -> list:
    conditions = [Order.kind == "sale", Order.status.in_(_PAID), Order.customer_id.is_not(None),
                  Order.currency == currency, Order.paid_amount - Order.refunded_amount > 0]
    if shop_id is not None:
        conditions.append(Order.shop_id == shop_id)
    return conditions


def paid_currencies(session: Session, shop_id: int | None) -> list[str]:
    """The currencies of the paid sale orders in scope."""
    stmt = select(Order.currency).where(Order.kind == "sale", Order.status.in_(_PAID),
                                        Order.customer_id.is_not(None)).distinct()
    if shop_id is not None:
        stmt = stmt.where(Order.shop_id == shop_id)
    return sorted(session.scalars(stmt))


def load_transactions(session: Session, *, shop_id: int | None, currency: str, as_of: date) -> TxArrays:
    """Paid sale orders placed on or before `as_of` (local day of their shop), as arrays; erased buyers left out."""
    # Every timezone's day `as_of` ends before as_of + 2 days UTC; the local day is then checked exactly.
    until = datetime.combine(as_of + timedelta(days=2), datetime.min.time(), tzinfo=timezone.utc)
    if session.get_bind().dialect.name == "postgresql":
        tx = _load_postgresql(session, shop_id, currency, as_of, until)
    else:
        tx = _load_sqlite(session, shop_id, currency, as_of, until)
    erased = np.fromiter(session.scalars(select(Customer.id).where(Customer.erased_at.is_not(None))), np.int64)
    if len(erased):
        keep = ~np.isin(tx.customer_id, erased)
        tx = TxArrays(tx.customer_id[keep], tx.day[keep], tx.amount[keep])
    return tx


def _load_postgresql(session: Session, shop_id, currency, as_of, until) -> TxArrays:
    # One bytea per id range, packed by the server (int8send ‖ int4send ‖ int8send) and read with one
    # np.frombuffer: 10M orders arrive in seconds, where COPY … TO STDOUT hands Python one row per call.
    lo, hi = session.execute(select(func.min(Order.id), func.max(Order.id))).one()
    if lo is None:
        return TxArrays(*(np.zeros(0, np.int64) for _ in range(3)))
    scope = "AND o.shop_id = :shop_id" if shop_id is not None else ""
    stmt = text(
        "SELECT string_agg(int8send(o.customer_id) || int4send(d.day) || int8send(o.paid_amount - o.refunded_amount),"
        " ''::bytea) FROM shop_order o JOIN shop s ON s.id = o.shop_id "
        "CROSS JOIN LATERAL (SELECT (o.placed_at AT TIME ZONE s.timezone)::date - DATE '1970-01-01' AS day) d "
        "WHERE o.id >= :lo AND o.id < :hi AND o.kind = 'sale' AND o.status = ANY(:paid) "
        "AND o.customer_id IS NOT NULL AND o.currency = :currency AND o.paid_amount - o.refunded_amount > 0 "
        f"AND o.placed_at < :until AND d.day <= :last {scope}")
    last = (as_of - _EPOCH).days
    parts = []
    for start in range(lo, hi + 1, ID_CHUNK):
        blob = session.execute(stmt, {"lo": start, "hi": start + ID_CHUNK, "paid": list(_PAID),
                                      "currency": currency, "until": until, "last": last,
                                      "shop_id": shop_id}).scalar()
        if blob:
            parts.append(np.frombuffer(blob, _RECORD))
    rec = np.concatenate(parts) if parts else np.zeros(0, _RECORD)
    return TxArrays(rec["customer_id"].astype(np.int64), rec["day"].astype(np.int64), rec["amount"].astype(np.int64))


def _load_sqlite(session: Session, shop_id, currency, as_of, until) -> TxArrays:
    stmt = (select(Order.customer_id, Order.shop_id, func.strftime("%s", Order.placed_at).cast(type_=Order.id.type),
                   Order.paid_amount - Order.refunded_amount)
            .where(*_sale_filter(shop_id, currency), Order.placed_at < until))
    result = session.execute(stmt)
    parts = []
    while rows := result.fetchmany(FETCH_ROWS):
        parts.append(np.array(rows, dtype=np.int64).reshape(-1, 4))
    data = np.concatenate(parts) if parts else np.zeros((0, 4), np.int64)
    zones = dict(session.execute(select(Shop.id, Shop.timezone)).all())
    day = np.zeros(len(data), np.int64)
    for sid in np.unique(data[:, 1]):
        rows = data[:, 1] == sid
        day[rows] = local_days(data[rows, 2], zones[int(sid)])
    keep = day <= (as_of - _EPOCH).days
    return TxArrays(data[keep, 0].copy(), day[keep], data[keep, 3].copy())


def local_days(epoch_seconds: np.ndarray, tz_name: str) -> np.ndarray:
    """UTC epoch seconds → calendar days (since 1970-01-01) in tz_name; the offset is looked up once per hour."""
    hours, inverse = np.unique(np.asarray(epoch_seconds, np.int64) // 3600, return_inverse=True)
    zone = ZoneInfo(tz_name)
    offsets = np.array([datetime.fromtimestamp(int(h) * 3600, zone).utcoffset().total_seconds() for h in hours],
                       dtype=np.int64)
    return (epoch_seconds + offsets[inverse.ravel()]) // 86_400


def count_contacts(session: Session, shop_id: int | None) -> int:
    """Customers in scope who are not erased (a shop's: known there by an identity or an order)."""
    stmt = select(func.count(Customer.id)).where(Customer.erased_at.is_(None))
    if shop_id is not None:
        stmt = stmt.where(or_(
            exists().where(and_(CustomerIdentity.customer_id == Customer.id, CustomerIdentity.shop_id == shop_id)),
            exists().where(and_(Order.customer_id == Customer.id, Order.shop_id == shop_id))))
    return session.scalar(stmt) or 0


def insert_scores(session: Session, rows: Sequence[tuple]) -> None:
    """Append score rows (tuples in SCORE_COLUMNS order): COPY on PostgreSQL, executemany in batches on SQLite."""
    if not rows:
        return
    note_bulk_write(session, "customer_score", len(rows))
    connection = session.connection()
    names = ", ".join(SCORE_COLUMNS)
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY customer_score ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in SCORE_COLUMNS)
    statement = f"INSERT INTO customer_score ({names}) VALUES ({marks})"
    day = SCORE_COLUMNS.index("next_purchase_on")
    for start in range(0, len(rows), 50_000):
        batch = [row[:day] + ((row[day].isoformat() if row[day] else None),) + row[day + 1:]
                 for row in rows[start:start + 50_000]]
        connection.exec_driver_sql(statement, batch)


# --- runs ----------------------------------------------------------------------------------------------------


def fail_abandoned_runs(session: Session, started_before, message: str) -> int:
    """Runs still 'running' that started before `started_before` (their process died) become failed."""
    result = session.execute(update(AnalysisRun).where(AnalysisRun.status == "running",
                                                       AnalysisRun.started_at < started_before)
                             .values(status="failed", error=message, finished_at=clock.now()))
    return result.rowcount or 0


def get_run(session: Session, run_id: int) -> AnalysisRun:
    run = session.get(AnalysisRun, run_id, populate_existing=True)
    if run is None:
        raise NotFound("analysis_run_not_found", f"run: no analysis run {run_id}", field="run")
    return run


def latest_run(session: Session, shop_id: int | None) -> AnalysisRun | None:
    """The finished run of this scope with the latest as-of date (the newest of equals)."""
    stmt = (select(AnalysisRun).where(AnalysisRun.status == "done", _same_scope(shop_id))
            .order_by(AnalysisRun.as_of_on.desc(), AnalysisRun.id.desc()).limit(1))
    return session.scalar(stmt)


def previous_run(session: Session, run: AnalysisRun) -> AnalysisRun | None:
    """The finished run of the same scope just before `run` (by as-of date, then by id)."""
    earlier = or_(AnalysisRun.as_of_on < run.as_of_on,
                  and_(AnalysisRun.as_of_on == run.as_of_on, AnalysisRun.id < run.id))
    stmt = (select(AnalysisRun).where(AnalysisRun.status == "done", _same_scope(run.shop_id), earlier)
            .order_by(AnalysisRun.as_of_on.desc(), AnalysisRun.id.desc()).limit(1))
    return session.scalar(stmt)


def _same_scope(shop_id: int | None):
    return AnalysisRun.shop_id.is_(None) if shop_id is None else AnalysisRun.shop_id == shop_id


def list_runs(session: Session, *, offset: int, limit: int) -> tuple[list[AnalysisRun], int]:
    """One page of runs, newest first, and their number."""
    total = session.scalar(select(func.count(AnalysisRun.id))) or 0
    stmt = select(AnalysisRun).order_by(AnalysisRun.id.desc()).offset(offset).limit(limit)
    return list(session.scalars(stmt)), total


# --- scores --------------------------------------------------------------------------------------------------

ROW_COLUMNS = ("customer_id", "name", "stage", "segment", "p_alive", "clv_amount", "value_at_stake_amount",
               "recency_days", "orders")


def movements(session: Session, run_id: int, previous_id: int) -> list[tuple[str | None, str | None, int]]:
    """(stage before, stage now, customers) between two runs; None where the customer is absent from one."""
    now, before = CustomerScore.__table__.alias("now"), CustomerScore.__table__.alias("before")
    joined = now.outerjoin(before, and_(before.c.customer_id == now.c.customer_id, before.c.run_id == previous_id))
    rows = session.execute(select(before.c.stage, now.c.stage, func.count()).select_from(joined)
                           .where(now.c.run_id == run_id).group_by(before.c.stage, now.c.stage)).all()
    gone = session.execute(
        select(before.c.stage, func.count()).where(before.c.run_id == previous_id, ~exists().where(
            and_(now.c.run_id == run_id, now.c.customer_id == before.c.customer_id))).group_by(before.c.stage)).all()
    return [(a, b, n) for a, b, n in rows] + [(a, None, n) for a, n in gone]


def _score_rows(run_id: int, where: Sequence = ()):
    return (select(CustomerScore.customer_id, Customer.name, CustomerScore.stage, CustomerScore.segment,
                   CustomerScore.p_alive, CustomerScore.clv_amount, CustomerScore.value_at_stake_amount,
                   CustomerScore.recency_days, CustomerScore.orders)
            .join(Customer, Customer.id == CustomerScore.customer_id)
            .where(CustomerScore.run_id == run_id, *where))


def score_page(session: Session, run_id: int, where: Sequence, order_by: Sequence, *, offset: int,
               limit: int) -> tuple[list[dict], int]:
    """One page of a run's scores that match `where`, as dicts of ROW_COLUMNS, and how many match."""
    total = session.scalar(select(func.count()).select_from(CustomerScore)
                           .where(CustomerScore.run_id == run_id, *where)) or 0
    rows = session.execute(_score_rows(run_id, where).order_by(*order_by).offset(offset).limit(limit)).all()
    return [dict(zip(ROW_COLUMNS, row, strict=True)) for row in rows], total


def iter_score_rows(session: Session, run_id: int, where: Sequence, order_by: Sequence,
                    columns: Sequence[str]) -> Iterator[tuple]:
    """All of a run's scores that match, in pages of 10,000 (for exports)."""
    cols = [Customer.name if c == "name" else getattr(CustomerScore, c) for c in columns]
    stmt = (select(*cols).join(Customer, Customer.id == CustomerScore.customer_id)
            .where(CustomerScore.run_id == run_id, *where).order_by(*order_by))
    for row in session.execute(stmt.execution_options(yield_per=10_000)):
        yield tuple(row)


def customer_scores(session: Session, customer_id: int) -> list[tuple[CustomerScore, AnalysisRun]]:
    """A customer's scores in every finished run, oldest as-of first."""
    stmt = (select(CustomerScore, AnalysisRun).join(AnalysisRun, AnalysisRun.id == CustomerScore.run_id)
            .where(CustomerScore.customer_id == customer_id, AnalysisRun.status == "done")
            .order_by(AnalysisRun.as_of_on, AnalysisRun.id))
    return [(score, run) for score, run in session.execute(stmt).all()]


def scored_customer_ids(session: Session, run_id: int, *, segments: Sequence[str] = (), stages: Sequence[str] = (),
                        shop_id: int | None = None) -> list[int]:
    """The customers of a run in any of these RFM segments (stored names) or lifecycle stages, ascending; with
    `shop_id` only the shop's own customers (an all-shops run scored everyone); never erased ones."""
    stmt = (select(CustomerScore.customer_id).join(Customer, Customer.id == CustomerScore.customer_id)
            .where(CustomerScore.run_id == run_id, Customer.erased_at.is_(None)))
    if segments:
        stmt = stmt.where(CustomerScore.segment.in_(list(segments)))
    if stages:
        stmt = stmt.where(CustomerScore.stage.in_(list(stages)))
    if shop_id is not None:
        stmt = stmt.where(exists().where(CustomerIdentity.customer_id == Customer.id,
                                         CustomerIdentity.shop_id == shop_id))
    return list(session.scalars(stmt.order_by(CustomerScore.customer_id)))

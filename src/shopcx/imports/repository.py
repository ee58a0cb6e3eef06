"""All import queries: jobs, rejects, and the look-ups the bulk writer keeps in maps."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from ..core import clock
from ..customers.models import Customer, CustomerIdentity
from ..orders.models import Order, Product, Refund
from .errors import ImportJobNotFound
from .models import ImportJob, ImportReject

# Keeps IN (...) lists well under SQLite's 32,766 bound parameters.
CHUNK = 5000


def _chunks(values: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def get_job(session: Session, job_id: int) -> ImportJob:
    job = session.get(ImportJob, job_id, populate_existing=True)
    if job is None:
        raise ImportJobNotFound("import_job_not_found", f"job: no import job {job_id}", field="job")
    return job


def list_jobs(session: Session, *, offset: int, limit: int) -> tuple[list[ImportJob], int]:
    """One page of jobs, newest first, and the total count."""
    total = session.scalar(select(func.count(ImportJob.id))) or 0
    stmt = select(ImportJob).order_by(ImportJob.id.desc()).offset(offset).limit(limit)
    return list(session.scalars(stmt)), total


def finish_job(session: Session, job_id: int) -> ImportJob:
    """Mark the job done (in a transaction that takes the write lock first) and return it."""
    touch_job(session, job_id)
    job = get_job(session, job_id)
    job.status, job.finished_at = "done", clock.now()
    return job


def touch_job(session: Session, job_id: int) -> None:
    """A no-op write on the job row, so the transaction holds SQLite's write lock before it reads."""
    # What the batch reads next (which orders exist, the highest ids) then cannot change until it commits.
    # A deferred SQLite transaction that reads first and writes later fails at once ("database is locked",
    # no busy wait) when another process committed in between, so every import transaction that writes
    # starts here.
    session.execute(update(ImportJob).where(ImportJob.id == job_id).values(status=ImportJob.status))


def lock_source(session: Session, source: str) -> None:
    """On PostgreSQL, hold a transaction lock on the identity source, as SQLite's write lock does for `touch_job`."""
    # Two imports into the same source at once would otherwise both find a buyer, order or product missing
    # and both insert it; the second then fails on the unique index half-way through its file.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"shopcx-import:{source}"})


def beat(session: Session, job_id: int) -> None:
    """Stamp a running job's heartbeat (in a unit of work of its own, outside the job's transactions)."""
    session.execute(update(ImportJob).where(ImportJob.id == job_id, ImportJob.status == "running")
                       .values(heartbeat_at=clock.now()))


def mark_stale(session: Session, before, message: str) -> int:
    """Running jobs whose last heartbeat (or start) is before `before` become interrupted; returns how many."""
    last = func.coalesce(ImportJob.heartbeat_at, ImportJob.started_at, ImportJob.created_at)
    result = session.execute(update(ImportJob).where(ImportJob.status == "running", last < before)
                             .values(status="interrupted", error=message, finished_at=clock.now()))
    return result.rowcount or 0


def add_progress(session: Session, job_id: int, **increments: int) -> None:
    """Add to the job's counters in the caller's transaction (pollers see them at its commit)."""
    values = {name: getattr(ImportJob, name) + amount for name, amount in increments.items() if amount}
    session.execute(update(ImportJob).where(ImportJob.id == job_id).values(heartbeat_at=clock.now(), **values))


def reject_page(session: Session, job_id: int, *, offset: int, limit: int) -> tuple[list[ImportReject], int]:
    """One page of a job's rejects in file order, and their number."""
    total = session.scalar(select(func.count(ImportReject.id)).where(ImportReject.job_id == job_id)) or 0
    stmt = (select(ImportReject).where(ImportReject.job_id == job_id)
            .order_by(ImportReject.line_no, ImportReject.id).offset(offset).limit(limit))
    return list(session.scalars(stmt)), total


def iter_rejects(session: Session, job_id: int, page: int = 2000) -> Iterator[tuple[int, str | None, str, str | None]]:
    """All of a job's rejects in file order, read a page at a time (keyset on line_no, id)."""
    after = (-1, -1)
    table = ImportReject.__table__
    while True:
        stmt = (select(table.c.line_no, table.c.id, table.c.field, table.c.reason, table.c.raw)
                .where(table.c.job_id == job_id,
                       (table.c.line_no > after[0]) | ((table.c.line_no == after[0]) & (table.c.id > after[1])))
                .order_by(table.c.line_no, table.c.id).limit(page))
        rows = session.execute(stmt).all()
        if not rows:
            return
        for line_no, _, field, reason, raw in rows:
            yield line_no, field, reason, raw
        after = (rows[-1][0], rows[-1][1])


def delete_rejects(session: Session, job_id: int) -> None:
    session.execute(delete(ImportReject).where(ImportReject.job_id == job_id))


def existing_orders(session: Session, shop_id: int, source: str, keys: list[str]) -> dict[str, tuple]:
    """external id -> (order id, status, goods, shipping, discount, paid amount) for the keys already stored in
    this shop and source."""
    found: dict[str, tuple] = {}
    if session.get_bind().dialect.name == "postgresql":
        # A join on unnest() probes the unique index once per key; `IN (…)`/`= ANY` was planned as a scan
        # of the shop's orders comparing each with every key (seconds per batch on a fresh table).
        stmt = text(f"SELECT o.external_id, o.id, o.status, o.goods_amount, o.shipping_amount, o.discount_amount, "
                    f"o.paid_amount FROM unnest(CAST(:keys AS text[])) AS k(external_id) "
                    f"JOIN {Order.__tablename__} o ON o.external_id = k.external_id "
                    f"WHERE o.shop_id = :shop_id AND o.source = :source")
        rows = session.execute(stmt, {"keys": keys, "shop_id": shop_id, "source": source})
        return {ext: tuple(rest) for ext, *rest in rows}
    for chunk in _chunks(keys):
        stmt = select(Order.external_id, Order.id, Order.status, Order.goods_amount, Order.shipping_amount,
                      Order.discount_amount, Order.paid_amount).where(
            Order.shop_id == shop_id, Order.source == source, Order.external_id.in_(chunk))
        found.update({ext: tuple(rest) for ext, *rest in session.execute(stmt)})
    return found


def orders_with_refund(session: Session, order_ids: Iterable[int], external_id: str) -> set[int]:
    ids = list(order_ids)
    found: set[int] = set()
    for chunk in _chunks(ids):
        stmt = select(Refund.order_id).where(Refund.order_id.in_(chunk), Refund.external_id == external_id)
        found.update(session.scalars(stmt))
    return found


def product_ids(session: Session, shop_id: int, skus: Iterable[str] | None = None) -> dict[str, int]:
    """sku -> product id for the shop (all of them, or only these skus)."""
    if skus is None:
        return dict(session.execute(select(Product.sku, Product.id).where(Product.shop_id == shop_id)).all())
    found: dict[str, int] = {}
    for chunk in _chunks(list(skus)):
        stmt = select(Product.sku, Product.id).where(Product.shop_id == shop_id, Product.sku.in_(chunk))
        found.update(session.execute(stmt).all())
    return found


def identity_ids(session: Session, source: str, external_ids: Iterable[str]) -> dict[str, int]:
    """external id -> customer id for these ids of one source."""
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(external_ids)):
        stmt = select(CustomerIdentity.external_id, CustomerIdentity.customer_id).where(
            CustomerIdentity.source == source, CustomerIdentity.external_id.in_(chunk))
        found.update(session.execute(stmt).all())
    return found


def customers_by_contacts(session: Session, phones: set[str],
                          emails: set[str]) -> tuple[dict[str, int], dict[str, int]]:
    """(phone -> customer id, email -> customer id) among customers not erased, the oldest first."""
    by_phone: dict[str, int] = {}
    by_email: dict[str, int] = {}
    for column, values, target in ((Customer.phone, phones, by_phone), (Customer.email, emails, by_email)):
        for chunk in _chunks(sorted(values)):
            stmt = (select(column, Customer.id).where(column.in_(chunk), Customer.erased_at.is_(None))
                    .order_by(Customer.id.desc()))
            target.update(session.execute(stmt).all())  # descending, so the oldest id is written last and wins
    return by_phone, by_email

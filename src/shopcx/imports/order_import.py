"""Importing an orders file: parse and group the whole file, then store batches of complete orders.

The whole file is grouped first because one order's lines need not be next to each other (a UCI invoice
is not). Each batch of whole orders is one transaction that also advances the job's counters, so a killed
process leaves only complete orders and a correct count of them; running the import again finds those
orders stored (unchanged) and stores the rest.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from ..core import events
from ..core.db import session_scope
from ..core.errors import NotFound
from ..core.settings import get_settings
from ..customers.repository import identity_map
from ..shops import service as shops
from ..staff.service import Actor, audit
from . import bulk, repository, timezones
from .errors import ImportFileError
from .formats import bundle, get_format
from .formats.base import Context, Parsed, Parsers, Reject
from .formats.source import Table
from .models import ImportReject
from .writer import Counts, OrderWriter

Progress = Callable[[int, int], None]
REJECT_COLUMNS = ("job_id", "line_no", "field", "reason", "raw")
MAX_BATCH_LINES = 50_000


@dataclass
class Target:
    """The shop the orders go to; id None while it does not exist yet (created unless dry run)."""

    id: int | None
    code: str
    name: str
    platform: str
    timezone: str
    currency: str
    currency_from_file: bool = False
    country: str | None = None


def _target(session, job, fmt) -> Target:
    settings = get_settings()
    if job.shop_id is not None:
        shop = shops.get_shop_by_id(session, job.shop_id)
        return Target(shop.id, shop.code, shop.name, shop.platform, shop.timezone, shop.currency,
                      country=shop.country)
    default = fmt.DEFAULT_SHOP
    if job.new_shop:  # a dry run into a shop the page would create: read as that shop, never another
        return Target(None, default.code, job.new_shop["name"], default.platform, job.new_shop["timezone"],
                      job.new_shop["currency"])
    try:
        shop = shops.get_shop(session, default.code)
        return Target(shop.id, shop.code, shop.name, shop.platform, shop.timezone, shop.currency,
                      country=shop.country)
    except NotFound:
        return Target(None, default.code, default.name, default.platform,
                      default.timezone or settings.default_timezone, default.currency or settings.default_currency,
                      currency_from_file=default.currency is None and fmt.NAME != "generic")


def store_rejects(job_id: int, rejects: list[Reject], progress: Progress | None, done: int, total: int) -> int:
    """Write rejects in their own transactions (chunks) and count them; returns rows done so far."""
    for start in range(0, len(rejects), 5000):
        chunk = rejects[start:start + 5000]
        with session_scope() as session:
            bulk.copy_rows(session, ImportReject.__table__, REJECT_COLUMNS,
                           [(job_id, n, field, reason, raw) for n, field, reason, raw in chunk])
            repository.add_progress(session, job_id, rejected_rows=len(chunk), processed_rows=len(chunk))
        done += len(chunk)
        if progress:
            progress(done, total)
    return done


@contextlib.contextmanager
def gc_paused():
    """Pause the cyclic garbage collector for a burst of allocation (parsing, one batch)."""
    # Each step allocates a tuple per line and makes no cycles; left on, the collector walks the whole large
    # heap again and again. Paused per step, not per job, so a long import in a server process does not keep
    # other threads' garbage cycles around for minutes.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_file(fmt, path: Path, ctx: Context) -> Parsed:
    """Parse and group the whole file; a zip of several files goes to the format's `parse_many`."""
    with gc_paused():
        if not bundle.is_bundle(path):
            return fmt.parse(Table(path, fmt.DELIMITER), ctx)
        with bundle.unpacked(path) as paths:
            tables = [Table(member, fmt.DELIMITER) for member in paths]
            if len(tables) == 1:
                return fmt.parse(tables[0], ctx)
            parse_many = getattr(fmt, "parse_many", None)
            if parse_many is None:
                raise ImportFileError("one_file_only", f"file: the {fmt.NAME} format reads one file, but "
                                      f"{Path(path).name} holds {len(tables)} ({', '.join(p.name for p in paths)})",
                                      field="file")
            return parse_many(tables, ctx)


def _batches(parsed: Parsed, size: int):
    batch, lines = [], 0
    for order in parsed.orders:
        batch.append(order)
        lines += len(order[1]) or 1  # an order-level row (no lines) is one row
        if len(batch) >= size or lines >= MAX_BATCH_LINES:
            yield batch, lines
            batch, lines = [], 0
    if batch:
        yield batch, lines


def run(job_id: int, path: Path, progress: Progress | None) -> None:
    """Import the job's orders file (the job is already marked running)."""
    with session_scope() as session:
        job = repository.get_job(session, job_id)
        fmt = get_format(job.format)
        dry_run, actor_label, filename = job.dry_run, job.created_by or "system", job.filename
        target = _target(session, job, fmt)
        zone_chosen = bool(job.new_shop)
    source = fmt.SOURCE or target.code
    parsers = Parsers(target.timezone)
    parsed = parse_file(fmt, path, Context(currency=target.currency, parsers=parsers, source=source,
                                           region=target.country))
    if target.id is None and fmt.DEFAULT_SHOP.timezone is None and not zone_chosen:
        # A shop this import creates lives where the file's timestamps say it does.
        target.timezone = timezones.zone_for(parsers.offsets) or target.timezone
    with session_scope() as session:
        repository.touch_job(session, job_id)
        if target.id is None and not dry_run:
            currency = parsed.orders[0][0].currency if target.currency_from_file and parsed.orders else target.currency
            try:
                with session.begin_nested():
                    shop = shops.ensure_shop(session, code=target.code, name=target.name, platform=target.platform,
                                             timezone=target.timezone, currency=currency)
            except IntegrityError:  # another import of this format created the shop a moment ago
                shop = shops.get_shop(session, target.code)
            target.id = shop.id
        job = repository.get_job(session, job_id)
        job.shop_id = target.id
        job.total_rows = parsed.total_rows
        identities = identity_map(session, source)
        products = repository.product_ids(session, target.id) if target.id is not None else {}
    total = parsed.total_rows
    if progress:
        progress(0, total)
    done = store_rejects(job_id, parsed.rejects, progress, 0, total)
    writer = OrderWriter(shop_id=target.id, source=source, job_id=job_id, dry_run=dry_run, identities=identities,
                         products=products)
    summary = Counts()
    for batch, lines in _batches(parsed, get_settings().import_batch_orders):
        with gc_paused(), session_scope() as session:
            counts = writer.write(session, batch)
            if counts.rejects:  # stored orders this file contradicts (writer._conflict)
                bulk.copy_rows(session, ImportReject.__table__, REJECT_COLUMNS,
                               [(job_id, n, f, reason, raw) for n, f, reason, raw in counts.rejects])
                repository.add_progress(session, job_id, rejected_rows=len(counts.rejects))
            repository.add_progress(session, job_id, processed_rows=lines, stored_rows=counts.stored,
                                    unchanged_rows=counts.unchanged, orders_created=counts.orders_created,
                                    customers_created=counts.customers_created)
        _add(summary, counts)
        done += lines
        if progress:
            progress(done, total)
    with session_scope() as session:
        job = repository.finish_job(session, job_id)
        # A replay that stored nothing changed nothing: no event for handlers, no audit entry.
        if not dry_run and summary.stored:
            detail = {"format": fmt.NAME, "file": filename, "shop_id": target.id, "source": source,
                      "orders_created": summary.orders_created, "customers_created": summary.customers_created,
                      "stored_rows": summary.stored, "unchanged_rows": summary.unchanged,
                      "rejected_rows": len(parsed.rejects),
                      "placed_from": summary.placed_from.isoformat() if summary.placed_from else None,
                      "placed_to": summary.placed_to.isoformat() if summary.placed_to else None}
            # One event for the whole job: handlers must not treat years of history as new purchases.
            events.emit(session, "orders_imported", "import_job", job_id, **detail)
            audit(session, Actor(label=actor_label), "import.orders", "import_job", job_id, detail)


def _add(summary: Counts, counts: Counts) -> None:
    summary.stored += counts.stored
    summary.unchanged += counts.unchanged
    summary.orders_created += counts.orders_created
    summary.customers_created += counts.customers_created
    for attr, pick in (("placed_from", min), ("placed_to", max)):
        new = getattr(counts, attr)
        if new is not None:
            old = getattr(summary, attr)
            setattr(summary, attr, new if old is None else pick(old, new))

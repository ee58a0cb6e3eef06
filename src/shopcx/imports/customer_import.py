"""Importing a customers file: new people in bulk, known people through `customers.service.upsert_customer`.

Each batch first finds who every row is, the way `find_customer` does (platform identity, then phone,
then email) but with a few set queries. Rows about nobody known yet are inserted in bulk with their
identity, tags and consents (through `upsert_customer` one by one this ran at about 190 rows/s). Rows about
a known customer that would change nothing are counted unchanged and not written; the others go through
`upsert_customer`, one savepoint each, so the API's merge rules apply and a failing row is rejected alone.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core import clock
from ..core.db import session_scope
from ..core.errors import ShopCXError
from ..core.settings import get_settings
from ..customers import service as customers
from ..customers.models import Customer, CustomerConsent, CustomerIdentity, CustomerTag
from ..customers.schemas import CustomerIn
from ..shops import service as shops
from ..staff.service import Actor, audit
from . import bulk, repository
from .formats import customers as customers_format
from .formats.base import Parsers
from .formats.generic import DEFAULT_SHOP
from .formats.source import Table
from .order_import import gc_paused, store_rejects

BATCH_ROWS = 1000
_PLAIN = ("name", "nickname", "gender", "country", "province", "city", "note", "phone", "email")
CUSTOMER_COLUMNS = ("id", "name", "nickname", "phone", "email", "gender", "birthday_on", "birthday_lunar_month",
                    "birthday_lunar_day", "birthday_is_leap_month", "country", "province", "city", "preferences",
                    "note", "created_at", "updated_at")


def unchanged(customer: Customer, data: CustomerIn) -> bool:
    """Whether upserting data would leave this customer exactly as stored."""
    for name in _PLAIN:
        if name in data.model_fields_set and getattr(data, name) is not None \
                and getattr(customer, name) != getattr(data, name):
            return False
    if data.birthday is not None and customer.birthday_on != data.birthday:
        return False
    lunar = data.birthday_lunar
    if lunar is not None and (customer.birthday_lunar_month, customer.birthday_lunar_day,
                              customer.birthday_is_leap_month) != (lunar.month, lunar.day, lunar.leap_month):
        return False
    if data.tags and not set(data.tags) <= {tag.tag for tag in customer.tags}:
        return False
    consents = {consent.channel: consent.granted for consent in customer.consents}
    if any(consents.get(channel) != granted for channel, granted in (data.consents or {}).items()):
        return False
    return not (data.source and data.external_id) or any(
        i.source == data.source and i.external_id == data.external_id for i in customer.identities)


def _who(session, batch: list[customers_format.Row]) -> list[int | None]:
    """The stored customer each row is about (identity, then phone, then email), or None."""
    pairs: dict[str, set[str]] = {}
    for _, data, _ in batch:
        if data.source and data.external_id:
            pairs.setdefault(data.source, set()).add(data.external_id)
    known = {(source, ext): cid for source, ids in pairs.items()
             for ext, cid in repository.identity_ids(session, source, ids).items()}
    by_phone, by_email = repository.customers_by_contacts(
        session, {data.phone for _, data, _ in batch if data.phone}, {data.email for _, data, _ in batch if data.email})
    return [known.get((data.source, data.external_id)) or by_phone.get(data.phone) or by_email.get(data.email)
            for _, data, _ in batch]


def _insert_new(session, rows: list[CustomerIn], shop_id: int | None) -> None:
    """Insert people nobody knew yet, with identity, tags and consents."""
    now = clock.now()
    ids = bulk.allocate_ids(session, Customer.__table__, len(rows))
    people, identities, tags, consents = [], [], [], []
    for customer_id, data in zip(ids, rows, strict=True):
        lunar = data.birthday_lunar
        people.append((customer_id, data.name, data.nickname, data.phone, data.email, data.gender or "unknown",
                       data.birthday, lunar.month if lunar else None, lunar.day if lunar else None,
                       bool(lunar and lunar.leap_month), data.country, data.province, data.city, {}, data.note, now,
                       now))
        if data.source and data.external_id:
            identities.append((customer_id, shop_id, data.source, data.external_id, now))
        tags.extend((customer_id, tag) for tag in dict.fromkeys(data.tags or []))
        consents.extend((customer_id, channel, granted, data.source or "import", now)
                        for channel, granted in (data.consents or {}).items())
    bulk.copy_rows(session, Customer.__table__, CUSTOMER_COLUMNS, people)
    bulk.copy_rows(session, CustomerIdentity.__table__, ("customer_id", "shop_id", "source", "external_id",
                                                         "created_at"), identities)
    bulk.copy_rows(session, CustomerTag.__table__, ("customer_id", "tag"), tags)
    bulk.copy_rows(session, CustomerConsent.__table__, ("customer_id", "channel", "granted", "source", "changed_at"),
                   consents)


def _marks(data: CustomerIn) -> list:
    """What makes two rows the same person (as `find_customer` matches)."""
    marks = []
    if data.source and data.external_id:
        marks.append(("id", data.source, data.external_id))
    marks.extend(value for value in (("phone", data.phone), ("email", data.email)) if value[1])
    return marks


def _batch(session, job_id: int, batch, shop_id: int | None, dry_run: bool) -> tuple[dict, list]:
    counts = {"stored": 0, "unchanged": 0, "created": 0}
    rejects = []
    repository.touch_job(session, job_id)
    who = _who(session, batch)
    stored = {c.id: c for c in session.scalars(
        select(Customer).where(Customer.id.in_({cid for cid in who if cid}))
        .options(selectinload(Customer.tags), selectinload(Customer.consents), selectinload(Customer.identities)))}
    fresh, later, seen = [], [], set()
    for row, customer_id in zip(batch, who, strict=True):
        data = row[1]
        if customer_id is not None:
            later.append((row, stored.get(customer_id)))
        elif seen.intersection(_marks(data)):
            later.append((row, None))  # the same new person again: update the one this batch creates
        else:
            seen.update(_marks(data))
            fresh.append(data)
    counts["stored"] += len(fresh)
    counts["created"] += len(fresh)
    if not dry_run:
        _insert_new(session, fresh, shop_id)
    for (line_no, data, raw), known in later:
        if known is not None and unchanged(known, data):
            counts["unchanged"] += 1
            continue
        counts["stored"] += 1
        if dry_run:
            continue
        try:
            with session.begin_nested():
                customers.upsert_customer(session, data, shop_id=shop_id, actor=None)
        except ShopCXError as exc:
            counts["stored"] -= 1
            rejects.append((line_no, exc.field, f"line {line_no}: {exc.message}"[:255], raw))
    return counts, rejects


def run(job_id: int, path: Path, progress: Callable[[int, int], None] | None) -> None:
    """Import the job's customers file (the job is already marked running)."""
    with session_scope() as session:
        job = repository.get_job(session, job_id)
        dry_run, actor_label, filename, shop_id = job.dry_run, job.created_by or "system", job.filename, job.shop_id
        shop = shops.get_shop_by_id(session, shop_id) if shop_id is not None else None
        source = shop.code if shop is not None else DEFAULT_SHOP.code
        timezone = shop.timezone if shop is not None else get_settings().default_timezone
    with gc_paused():
        good, rejects, total = customers_format.parse(Table(path), Parsers(timezone), source)
    with session_scope() as session:
        repository.touch_job(session, job_id)
        repository.get_job(session, job_id).total_rows = total
    if progress:
        progress(0, total)
    done = store_rejects(job_id, rejects, progress, 0, total)
    summary = {"stored": 0, "unchanged": 0, "created": 0}
    for start in range(0, len(good), BATCH_ROWS):
        batch = good[start:start + BATCH_ROWS]
        with session_scope() as session:
            counts, late = _batch(session, job_id, batch, shop_id, dry_run)
            repository.add_progress(session, job_id, processed_rows=len(batch) - len(late),
                                    stored_rows=counts["stored"], unchanged_rows=counts["unchanged"],
                                    customers_created=counts["created"])
        done = store_rejects(job_id, late, None, done + len(batch) - len(late), total)
        summary = {key: summary[key] + counts[key] for key in summary}
        if progress:
            progress(done, total)
    with session_scope() as session:
        job = repository.finish_job(session, job_id)
        if not dry_run and summary["stored"]:
            audit(session, Actor(label=actor_label), "import.customers", "import_job", job_id,
                  {"file": filename, "shop_id": shop_id, "source": source, "stored_rows": summary["stored"],
                   "unchanged_rows": summary["unchanged"], "customers_created": summary["created"],
                   "rejected_rows": job.rejected_rows})

"""Running import jobs from tests, and reading what they stored."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from shopcx.imports import service
from shopcx.orders import service as orders
from shopcx.orders.models import Order

SAMPLES = Path(__file__).resolve().parent / "samples"


def run_import(session, path: Path, *, format: str = "generic", kind: str = "orders", shop: str | None = None,
               dry_run: bool = False, progress=None):
    """Create and run a job; returns the finished job read back fresh."""
    job = service.create_job(session, kind=kind, format=format, filename=Path(path).name, shop_code=shop,
                             actor_label="test", dry_run=dry_run)
    session.flush()
    service.run_job(job.id, Path(path), progress)
    return service.get_job(session, job.id)


def stats(session, shop: str | None = None) -> dict:
    return orders.stats(session, shop_code=shop)


def order(session, external_id: str) -> Order:
    found = session.scalar(select(Order).where(Order.external_id == external_id).execution_options(
        populate_existing=True))
    assert found is not None, f"order {external_id} was not stored"
    return found


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def reject_lines(session, job_id: int) -> dict[int, tuple[str | None, str]]:
    rows, _ = service.reject_rows(session, job_id, offset=0, limit=1000)
    return {row.line_no: (row.field, row.reason) for row in rows}

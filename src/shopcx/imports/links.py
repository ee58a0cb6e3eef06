"""Import jobs by file name with a link to the job, for the audit log."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.links import Links, int_ids
from .models import ImportJob


def entity_links(session: Session, entity: str, ids: set[str]) -> Links:
    if entity != "import_job":
        return {}
    rows = session.execute(select(ImportJob.id, ImportJob.filename).where(ImportJob.id.in_(int_ids(ids))))
    return {str(i): (filename, f"/imports/{i}") for i, filename in rows}

"""Staff queries that pages need: the audit log."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core.search import contains
from .models import AuditLog


def audit_page(session: Session, *, offset: int, limit: int, action: str | None = None,
               actor: str | None = None, entity: str | None = None) -> tuple[list[AuditLog], int]:
    """One page of the audit log, newest first, and the total count."""
    def filtered(stmt):
        if action:
            stmt = stmt.where(AuditLog.action == action)
        if actor:
            stmt = stmt.where(contains(AuditLog.actor, actor.strip()))
        if entity:
            stmt = stmt.where(AuditLog.entity == entity)
        return stmt

    total = session.scalar(filtered(select(func.count(AuditLog.id)))) or 0
    rows = session.scalars(filtered(select(AuditLog)).order_by(AuditLog.at.desc(), AuditLog.id.desc())
                           .offset(offset).limit(limit))
    return list(rows), total


def audit_actions(session: Session) -> list[str]:
    """The distinct actions recorded (for the log's filter)."""
    return list(session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))

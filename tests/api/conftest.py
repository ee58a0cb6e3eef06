"""API tests: the real app over TestClient, sharing the test's rolled-back transaction.

Create shops and tokens through the `session` fixture and flush before calling the client; the app's
`session_scope()` commits only a savepoint of the test's transaction.
"""

from __future__ import annotations

import warnings

import pytest
from sqlalchemy import func, select

from shopcx.core.events import OutboxEvent
from shopcx.customers.models import Customer
from shopcx.orders.models import Order, OrderLine, Product, Refund, Shipment
from shopcx.staff import service as staff
from shopcx.staff.models import AuditLog
from shopcx.staff.rules import SCOPES

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette warns that its TestClient will move to httpx2
    from fastapi.testclient import TestClient

ALL_SCOPES = SCOPES  # every scope a token can carry


@pytest.fixture
def client(session):
    from shopcx.web.app import create_app

    return TestClient(create_app())


@pytest.fixture
def token(session):
    """token(*scopes) -> request headers carrying a new API token with those scopes (all when none given)."""

    def make(*scopes: str, name: str = "test") -> dict[str, str]:
        raw, _ = staff.create_token(session, name=name, scopes=list(scopes or ALL_SCOPES), actor=staff.SYSTEM)
        session.flush()
        return {"Authorization": f"Bearer {raw}"}

    return make


@pytest.fixture
def counts(session):
    """counts() -> how many rows the tables an API write may touch hold right now."""

    def snapshot() -> dict[str, int]:
        session.expire_all()
        tables = {"customers": Customer, "orders": Order, "lines": OrderLine, "products": Product,
                  "refunds": Refund, "shipments": Shipment, "events": OutboxEvent, "audit": AuditLog}
        return {name: session.scalar(select(func.count()).select_from(model))
                for name, model in tables.items()}

    return snapshot


@pytest.fixture
def audit_actions(session):
    """audit_actions(entity=None) -> [(action, actor)] in the order written."""

    def read(entity: str | None = None) -> list[tuple[str, str]]:
        stmt = select(AuditLog.action, AuditLog.actor).order_by(AuditLog.id)
        if entity:
            stmt = stmt.where(AuditLog.entity == entity)
        return [tuple(row) for row in session.execute(stmt)]

    return read

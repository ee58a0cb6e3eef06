"""Every operation of the OpenAPI description under generated input (issue 12): no server error and every
answer matching its declared schema. Bounded: a fixed number of examples per operation and a fixed seed
(derandomized), on SQLite only (it uses no database fixture of its own backend; see tests/conftest.py)."""

from __future__ import annotations

import os
import warnings

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

from shopcx.staff import service as staff  # noqa: E402
from shopcx.staff.rules import SCOPES  # noqa: E402

from ..conftest import backend  # noqa: E402
from ..factories import make_order, make_shop  # noqa: E402

EXAMPLES = int(os.environ.get("SHOPCX_SCHEMATHESIS_EXAMPLES", "12"))

pytestmark = pytest.mark.skipif(backend() != "sqlite", reason="the generated run is bounded to SQLite")


def _schema():
    from shopcx.web.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return schemathesis.openapi.from_asgi("/openapi.json", create_app())


schema = _schema()  # the app reads its database per request, from the test's session fixture


@pytest.fixture
def known(session):
    """A token with every scope, and a shop with an order and its customer: generated requests are pointed at
    them, so they reach the queries behind "no such shop" (random codes would all stop at a 404)."""
    shop = make_shop(session, code="tb", platform="taobao")
    order = make_order(session, shop, external_id="T1")
    raw, _ = staff.create_token(session, name="schemathesis", scopes=list(SCOPES), actor=staff.SYSTEM)
    session.flush()
    return {"headers": {"Authorization": f"Bearer {raw}"},
            "path": {"shop_code": "tb", "order_id": order.id, "customer_id": order.customer_id}}


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, phases=[Phase.explicit,
                                                                                       Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_no_server_error_and_every_answer_matches_its_schema(case, known):
    for name, value in known["path"].items():
        if case.path_parameters and name in case.path_parameters:
            case.path_parameters[name] = value
    case.call_and_validate(headers=known["headers"], checks=[not_a_server_error, response_schema_conformance])

"""Token scopes mirror page permissions one to one (issue 12 item 8): every API route is checked against the
page that does the same thing, through the one table in staff/scope_map.py."""

from __future__ import annotations

import pytest
from fastapi.routing import iter_route_contexts

from shopcx.staff.rules import PERMISSIONS, SCOPES
from shopcx.staff.scope_map import API_MIRRORS

API_ONLY = {"products:read", "products:write"}  # products have no page: they arrive with orders and imports


def _needs(dependant, attribute: str) -> set[str]:
    found = set()
    value = getattr(dependant.call, attribute, None)
    if value:
        found.add(value)
    for sub in dependant.dependencies:
        found |= _needs(sub, attribute)
    return found


@pytest.fixture(scope="module")
def routes():
    from shopcx.web.app import create_app

    api, pages = {}, {}
    for route in iter_route_contexts(create_app().routes):
        dependant = getattr(route, "dependant", None)
        if dependant is None or not route.methods:
            continue
        for method in route.methods - {"HEAD"}:
            if route.path.startswith("/api/"):
                api[(method, route.path)] = _needs(dependant, "scope")
            else:
                pages[(method, route.path)] = _needs(dependant, "permission")
    return api, pages


def test_every_api_route_requires_exactly_its_pages_permissions(routes):
    api, pages = routes
    assert set(api) == set(API_MIRRORS), (
        f"routes without an entry in staff/scope_map.py: {sorted(set(api) - set(API_MIRRORS))}; "
        f"entries without a route: {sorted(set(API_MIRRORS) - set(api))}")
    wrong = {}
    for key, mirror in API_MIRRORS.items():
        if mirror is None:
            expected = set()
        elif isinstance(mirror, str):
            expected = {mirror}
        else:
            assert all(twin in pages for twin in mirror), f"{key}: no page {[t for t in mirror if t not in pages]}"
            expected = set().union(*(pages[twin] for twin in mirror))
        if api[key] != expected:
            wrong[key] = (sorted(api[key]), sorted(expected))
    assert not wrong, f"API scope differs from the page permission (API, page): {wrong}"


def test_scopes_are_the_roles_permissions():
    permissions = set().union(*PERMISSIONS.values())
    assert set(SCOPES) - API_ONLY <= permissions
    used = {m for m in API_MIRRORS.values() if isinstance(m, str)}
    assert used <= set(SCOPES)


def test_the_settings_and_approve_actions_of_issue_12(routes):
    api, _ = routes
    L = "/api/v1/shops/{shop_code}/loyalty"
    assert api[("POST", f"{L}/program/publish")] == {"loyalty:settings"}
    assert api[("PUT", f"{L}/members/{{customer_id}}/tier-floor")] == {"loyalty:approve"}
    assert api[("PUT", "/api/v1/shops/{shop_code}/review-settings")] == {"reviews:settings"}
    assert api[("POST", "/api/v1/shops/{shop_code}/webhook-secret")] == {"settings:manage"}

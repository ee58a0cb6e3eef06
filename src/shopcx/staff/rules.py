"""Roles, what each may do, and API token scopes."""

from __future__ import annotations

ROLES = ("owner", "manager", "agent", "operations", "analyst")

# Permissions per role. 'pii' = may see full phone numbers and email addresses.
PERMISSIONS: dict[str, frozenset[str]] = {
    "owner": frozenset({"customers:read", "customers:write", "orders:read", "orders:write", "imports:run",
                        "staff:manage", "tokens:manage", "audit:read", "settings:manage", "pii"}),
    "manager": frozenset({"customers:read", "customers:write", "orders:read", "orders:write", "imports:run",
                          "staff:manage", "tokens:manage", "audit:read", "pii"}),
    "agent": frozenset({"customers:read", "customers:write", "orders:read", "pii"}),
    "operations": frozenset({"customers:read", "customers:write", "orders:read", "imports:run"}),
    "analyst": frozenset({"customers:read", "orders:read"}),
}

# Scopes an API token can carry.
SCOPES = ("customers:read", "customers:write", "products:read", "products:write", "orders:read", "orders:write",
          "pii")


def can(role: str, permission: str) -> bool:
    return permission in PERMISSIONS.get(role, frozenset())

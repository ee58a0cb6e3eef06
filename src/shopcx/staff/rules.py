"""Roles, what each may do, and API token scopes."""

from __future__ import annotations

ROLES = ("owner", "manager", "agent", "operations", "analyst")

# Permissions per role. 'pii' = may see full phone numbers and email addresses. 'loyalty:approve' = may approve
# point adjustments above a role's limit (分级授权); '*:settings' = may change and publish a program's rules.
PERMISSIONS: dict[str, frozenset[str]] = {
    "owner": frozenset({"customers:read", "customers:write", "orders:read", "orders:write", "imports:run",
                        "staff:manage", "tokens:manage", "audit:read", "settings:manage", "pii", "loyalty:read",
                        "loyalty:write", "loyalty:approve", "loyalty:settings", "reviews:read", "reviews:write",
                        "reviews:settings"}),
    "manager": frozenset({"customers:read", "customers:write", "orders:read", "orders:write", "imports:run",
                          "staff:manage", "tokens:manage", "audit:read", "pii", "loyalty:read", "loyalty:write",
                          "loyalty:approve", "loyalty:settings", "reviews:read", "reviews:write", "reviews:settings"}),
    "agent": frozenset({"customers:read", "customers:write", "orders:read", "pii", "loyalty:read", "loyalty:write",
                        "reviews:read", "reviews:write"}),
    "operations": frozenset({"customers:read", "customers:write", "orders:read", "imports:run", "loyalty:read",
                             "loyalty:write", "reviews:read", "reviews:write"}),
    "analyst": frozenset({"customers:read", "orders:read", "loyalty:read", "reviews:read"}),
}

# Scopes an API token can carry.
SCOPES = ("customers:read", "customers:write", "products:read", "products:write", "orders:read", "orders:write",
          "pii", "loyalty:read", "loyalty:write", "reviews:read", "reviews:write")
# A token's scopes are the same words as the pages' permissions (issue 12): what a page keeps to settings or to an
# approver, the API does too. products:* alone has no page (products arrive with orders and imports).
SCOPES += ("loyalty:approve", "loyalty:settings", "reviews:settings", "settings:manage")

# Surveys (issue 14): owners, managers and operations run them; analysts read the results.
for _role, _granted in {"owner": ("surveys:read", "surveys:write"), "manager": ("surveys:read", "surveys:write"),
                        "operations": ("surveys:read", "surveys:write"), "analyst": ("surveys:read",)}.items():
    PERMISSIONS[_role] = PERMISSIONS[_role] | frozenset(_granted)
SCOPES += ("surveys:read", "surveys:write")


def can(role: str, permission: str) -> bool:
    return permission in PERMISSIONS.get(role, frozenset())

# The complaint desk (issue 15): agents read and work tickets, managers and owners also set SLA policies and the
# calendar, analysts read.
_DESK = {"owner": {"desk:read", "desk:write", "desk:settings"}, "manager": {"desk:read", "desk:write", "desk:settings"},
         "agent": {"desk:read", "desk:write"}, "analyst": {"desk:read"}}
PERMISSIONS = {role: granted | _DESK.get(role, set()) for role, granted in PERMISSIONS.items()}
SCOPES += ("desk:read", "desk:write", "desk:settings")

# Messaging (the one way anything reaches a buyer): owners and managers set channels, quiet hours and caps;
# operations and agents read the log (agents work the agents' list), analysts read.
_MESSAGING = {"owner": {"messaging:read", "messaging:write", "messaging:settings"},
              "manager": {"messaging:read", "messaging:write", "messaging:settings"},
              "operations": {"messaging:read", "messaging:write"}, "agent": {"messaging:read", "messaging:write"},
              "analyst": {"messaging:read"}}
PERMISSIONS = {role: granted | _MESSAGING.get(role, set()) for role, granted in PERMISSIONS.items()}
SCOPES += ("messaging:read", "messaging:write", "messaging:settings")
# Care moments and campaigns (issue 16): operations, managers and owners run them, analysts read the results; agents
# work their callbacks (回访) and late parcels, managers and owners too (they assign VIP managers).
_CARE = {"owner": {"care:read", "care:write", "callbacks:work"},
         "manager": {"care:read", "care:write", "callbacks:work"},
         "operations": {"care:read", "care:write"}, "agent": {"callbacks:work"}, "analyst": {"care:read"}}
PERMISSIONS = {role: granted | _CARE.get(role, set()) for role, granted in PERMISSIONS.items()}
SCOPES += ("care:read", "care:write", "callbacks:work")
# Buyers' data rights (issue 17): owners and managers handle data requests, exports and erasures.
PERMISSIONS = {role: granted | ({"privacy:manage"} if role in ("owner", "manager") else set())
               for role, granted in PERMISSIONS.items()}
# The weekly report by e-mail (issue 17): owners and managers receive it, in their own language.
PERMISSIONS = {role: granted | ({"reports:receive"} if role in ("owner", "manager") else set())
               for role, granted in PERMISSIONS.items()}

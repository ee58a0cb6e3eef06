"""The staff domain's face, listed in shopcx/domains.py: staff accounts, API tokens and the audit log (`shopcx user`,
the audit page, the tokens API)."""

from ..core.face import Face, NavEntry

FACE = Face("staff", __package__, models=("models",), api=("api",), pages=("pages",), cli="cli",
            nav=(NavEntry("audit", "audit_log", "audit:read"),),
            entity_links="links:entity_links", privacy="privacy")

"""The shops domain's face, listed in shopcx/domains.py: shops, their signed webhooks, and their keys."""

from ..core.face import Face, NavEntry

FACE = Face("shops", __package__, models=("models",), api=("api",), pages=("pages",), cli="cli",
            nav=(NavEntry("shops", "shops_page", "orders:write", place="user"),), entity_links="links:entity_links",
            privacy="privacy")

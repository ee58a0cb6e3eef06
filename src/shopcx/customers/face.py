"""The customers domain's face, listed in shopcx/domains.py: the customer list and profile, over JSON and as pages."""

from ..core.face import Face, NavEntry

FACE = Face("customers", __package__, models=("models",), api=("api",), pages=("pages",),
            nav=(NavEntry("customers", "customer_list", "customers:read"),),
            entity_links="links:entity_links",
            timeline="timeline:entries", privacy="privacy")

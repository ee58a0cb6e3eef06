"""The orders domain's face, listed in shopcx/domains.py: orders, products, shipments and refunds, over JSON and as
pages."""

from ..core.face import Face, NavEntry

FACE = Face("orders", __package__, models=("models",), api=("api",), pages=("pages",),
            nav=(NavEntry("orders", "order_list", "orders:read"),),
            entity_links="links:entity_links",
            timeline="timeline:entries", privacy="privacy")

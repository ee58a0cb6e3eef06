"""The reviews domain's face, listed in shopcx/domains.py: reviews, shop ratings and review care (pages, API, `shopcx
reviews`, handlers and jobs)."""

from ..core.face import Face, NavEntry

FACE = Face("reviews", __package__, models=("models",), api=("api",), pages=("pages",), cli="cli", jobs="jobs",
            nav=(NavEntry("reviews", "review_inbox", "reviews:read"),),
            entity_links="links:entity_links",
            timeline="timeline:entries", privacy="privacy")

"""The loyalty domain's face, listed in shopcx/domains.py: the loyalty program (staff pages and the member page, API,
`shopcx loyalty`, handlers and jobs)."""

from ..core.face import Face, NavEntry

FACE = Face("loyalty", __package__, models=("models",), api=("api",), pages=("pages", "public"), cli="cli", jobs="jobs",
            nav=(NavEntry("loyalty", "loyalty_members", "loyalty:read"),),
            entity_links="links:entity_links",
            timeline="timeline:entries", privacy="privacy")

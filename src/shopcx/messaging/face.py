"""The messaging domain's face, listed in shopcx/domains.py: the one way ShopCX sends anything to a buyer (channel
settings and the message log under the user menu, the unsubscribe and tracked-link pages, `shopcx messages`, the
periodic sender)."""

from ..core.face import Face, NavEntry

FACE = Face("messaging", __package__, models=("models",), api=("api",), pages=("pages", "public"), cli="cli",
            jobs="jobs",
            nav=(NavEntry("messaging", "messaging_home", "messaging:read", place="user"),),
            timeline="timeline:entries", privacy="privacy", customer_panel="pages:preference_panel")

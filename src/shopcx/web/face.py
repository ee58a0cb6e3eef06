"""The web domain's face, listed in shopcx/domains.py: the front door (sign-in, language, home page), `shopcx serve` and
`shopcx worker`."""

from ..core.face import Face, NavEntry

FACE = Face("web", __package__, pages=("pages", "exports"), cli="cli",
            nav=(NavEntry("home", "home", None), NavEntry("api_docs", "api_docs", "tokens:manage", place="user")))

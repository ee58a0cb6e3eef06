"""The dashboard's face, listed in shopcx/domains.py: the home page (figures, targets, today's list) and its API."""

from ..core.face import Face, NavEntry

FACE = Face("dashboard", __package__, models=("models",), api=("api",), pages=("pages", "reports"), jobs="jobs",
            nav=(NavEntry("targets", "dashboard_targets", "settings:manage", place="user"),
                 NavEntry("weekly", "dashboard_weekly", "customers:read", place="user"),
                 NavEntry("coaching", "dashboard_coaching", "desk:read", place="user"),
                 NavEntry("enps", "dashboard_enps", "surveys:read", place="user")),
            customer_panel="timeline:panel")

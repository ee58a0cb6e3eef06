"""The insights domain's face, listed in shopcx/domains.py: customer value and lifecycle (`shopcx analyze`, its pages
and API, the daily snapshot)."""

from ..core.face import Face, NavEntry

FACE = Face("insights", __package__, models=("tables",), api=("api",), pages=("pages",), cli="cli", jobs="jobs",
            nav=(NavEntry("insights", "insights_overview", "customers:read"),))

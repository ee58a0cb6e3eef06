"""The care domain's face, listed in shopcx/domains.py: care moments, campaigns with control groups, templates, VIP
callbacks and delivery care (staff pages under the user menu, the buyer's tracking page, API, `shopcx care`, the
daily job)."""

from ..core.face import Face, NavEntry

FACE = Face("care", __package__, models=("tables",), api=("api",), pages=("pages", "public"), cli="cli",
            jobs="jobs", customer_panel="pages.callbacks:manager_panel",
            nav=(NavEntry("care", "care_campaigns", "care:read", place="user"),
                 NavEntry("callbacks", "care_callbacks", "callbacks:work", place="user")))

"""The privacy domain's face, listed in shopcx/domains.py: data requests (staff and buyer pages), export and
erasure across every domain (each domain's `privacy` module), retention as a periodic job."""

from ..core.face import Face, NavEntry

FACE = Face("privacy", __package__, models=("models",), pages=("pages", "public"), jobs="jobs",
            nav=(NavEntry("privacy", "privacy_requests", "privacy:manage", place="user"),),
            customer_panel="panel:panel")

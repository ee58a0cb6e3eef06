"""The complaint desk's face, listed in shopcx/domains.py: tickets and their SLA clocks on the shop's business calendar
(staff pages, API, `shopcx desk`)."""

from ..core.face import Face, NavEntry

FACE = Face("desk", __package__, models=("models",), api=("api",), pages=("pages",), cli="cli",
            nav=(NavEntry("desk", "desk_tickets", "desk:read"),),
            timeline="timeline:entries", privacy="privacy")

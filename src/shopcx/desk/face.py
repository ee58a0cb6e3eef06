"""The complaint desk's face, listed in shopcx/domains.py: tickets and their SLA clocks on the shop's business calendar
(staff pages, API, `shopcx desk`)."""

from ..core.face import Face, NavEntry

FACE = Face("desk", __package__, models=("models", "records"), api=("api", "agent_api"), pages=("pages",), cli="cli",
            jobs="jobs", customer_panel="pages.promises:panel",
            nav=(NavEntry("desk", "desk_tickets", "desk:read"),))

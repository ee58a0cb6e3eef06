"""The complaint desk's face, listed in shopcx/domains.py: tickets and their SLA clocks on the shop's business calendar
(staff pages, API, `shopcx desk`)."""

from ..core.face import Face

FACE = Face("desk", __package__, models=("models",), cli="cli")

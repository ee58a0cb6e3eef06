"""The backup domain's face, listed in shopcx/domains.py: `shopcx backup` and `shopcx restore`."""

from ..core.face import Face

FACE = Face("backup", __package__, cli="cli")

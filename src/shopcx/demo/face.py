"""The demo domain's face, listed in shopcx/domains.py: the generated demo shop (`shopcx demo`)."""

from ..core.face import Face

FACE = Face("demo", __package__, cli="cli")

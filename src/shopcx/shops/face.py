"""The shops domain's face, listed in shopcx/domains.py: shops and their signed webhooks over JSON."""

from ..core.face import Face

FACE = Face("shops", __package__, models=("models",), api=("api",),
            entity_links="links:entity_links")

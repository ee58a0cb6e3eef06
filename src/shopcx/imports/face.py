"""The imports domain's face, listed in shopcx/domains.py: file imports (the import page and `shopcx import`)."""

from ..core.face import Face, NavEntry

FACE = Face("imports", __package__, models=("models",), pages=("pages",), cli="cli", jobs="jobs",
            nav=(NavEntry("imports", "import_page", "imports:run"),),
            entity_links="links:entity_links", privacy="privacy")

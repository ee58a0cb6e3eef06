"""The composition root: the one list of ShopCX's domains, read by the app factory (routes, menu, templates), the
command line (sub-commands) and the worker (event handlers, periodic jobs), and by i18n for the labels.

Adding a domain means writing its `face.py` and adding it here; nothing in `core` or `web` names a domain. The
order is the menu's order and the order routes are matched in (JSON routes of every domain first, then pages).
"""

from __future__ import annotations

from .backup.face import FACE as backup
from .care.face import FACE as care
from .core import i18n, jobs
from .core.face import Face
from .customers.face import FACE as customers
from .dashboard.face import FACE as dashboard
from .demo.face import FACE as demo
from .desk.face import FACE as desk
from .imports.face import FACE as imports
from .insights.face import FACE as insights
from .loyalty.face import FACE as loyalty
from .messaging.face import FACE as messaging
from .orders.face import FACE as orders
from .privacy.face import FACE as privacy
from .reviews.face import FACE as reviews
from .shops.face import FACE as shops
from .staff.face import FACE as staff
from .surveys.face import FACE as surveys
from .web.face import FACE as web

FACES: tuple[Face, ...] = (web, shops, customers, orders, insights, reviews, loyalty, surveys, desk, messaging, care,
                           imports, staff, demo, backup, dashboard,
                           privacy)

_installed = False


def install() -> None:
    """Tell the core what the domains bring: label catalogs, event handlers, periodic jobs (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    i18n.add_catalogs(face.locales for face in FACES if face.locales)
    jobs.add_domains(handlers=[face.load_handlers for face in FACES if face.jobs],
                     periodic=[face.register_periodic for face in FACES if face.jobs])


def metadata():
    """The metadata of every table: core's own (the outbox) and each domain's (for Alembic and schema checks)."""
    from .core import events  # noqa: F401  (the outbox table)
    from .core.db import Base

    for face in FACES:
        face.load_models()
    return Base.metadata


def routers() -> list:
    """Every domain's JSON routes, then every domain's pages, in the order of FACES."""
    return [router for face in FACES for router in face.api_routers()] + \
        [router for face in FACES for router in face.page_routers()]

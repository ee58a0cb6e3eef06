"""The surveys domain's face, listed in shopcx/domains.py: surveys, invitations and answers (staff pages, the
buyer's page at a signed link) and `shopcx surveys`."""

from ..core.face import Face, NavEntry

FACE = Face("surveys", __package__, models=("tables", "sending.tables"), api=("api",),
            pages=("pages", "sending.pages", "public"), cli="cli", jobs="sending.jobs",
            nav=(NavEntry("surveys", "surveys_list", "surveys:read"),),
            customer_panel="pages:customer_panel",
            timeline="timeline:entries", privacy="privacy")

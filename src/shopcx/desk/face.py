"""The complaint desk's face, listed in shopcx/domains.py: tickets and their SLA clocks on the shop's business calendar
(staff pages, API, `shopcx desk`), the buyer's pages (complaint form, ticket status by signed link), reports and
mystery-shopper audits, and the outgoing signed webhooks of desk events."""

from ..core.face import Face, NavEntry

FACE = Face("desk", __package__, models=("models", "records", "channels.tables", "audits.tables", "webhooks.tables"),
            api=("api", "agent_api", "channels.api", "reports.api", "audits.api", "webhooks.api"),
            pages=("pages", "channels.pages", "reports.pages", "audits.pages", "webhooks.pages", "public",
                   "audits.public"),
            cli="cli", jobs="jobs", customer_panel="pages.promises:panel",
            review_panel="channels.pages:review_panel",
            nav=(NavEntry("desk", "desk_tickets", "desk:read"),), timeline="timeline:entries",
            privacy="privacy")

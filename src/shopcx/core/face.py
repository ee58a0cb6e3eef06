"""What one domain offers the composition root (`shopcx/domains.py`): its JSON routes, pages, commands, event handlers,
periodic jobs, menu entries, labels and templates.

A face names its modules by convention and they are imported only when used, so listing the domains costs nothing:
the command line does not load FastAPI, and the web app does not load the command line. A module listed in `models`
defines tables; one in `api` or `pages` has a `router`; the `cli` module has `register(app)`; the `jobs` module
registers its event handlers with `@jobs.on_event` when imported and its periodic tasks with `register_periodic()`;
a `customer_panel` function draws the domain's section of the customer page. `core` knows this shape, never a
domain."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any


@dataclass(frozen=True)
class NavEntry:
    """One area in the staff menu: its label key (`nav.<key>`), route name and the permission it needs; `place`
    "user" puts a settings-like page beside the user's name instead of in the main row."""

    key: str
    route: str
    permission: str | None
    place: str = "main"


@dataclass(frozen=True)
class Panel:
    """A section a domain adds to another domain's page (the customer page): its template, that template's
    values (as `panel.values`), and a stylesheet under /static it needs."""

    template: str
    values: dict
    stylesheet: str | None = None


@dataclass(frozen=True)
class TimelineEntry:
    """One thing on a customer's timeline: when, its kind (order, delivery, refund, review, care, ticket, note,
    survey, points, tier, consent, message), a label key and its values, who did it (an actor label; None: the
    customer or an import), the page that shows it, the customer's response (their words or score), and what
    staff wrote (a note, a reply). `words` says how a value that is a code is named for people: the catalog key
    prefix that names it (`{"reason": "loyalty.reason."}`) or its names by language (`{"to": {"zh": …, "en": …}}`);
    the API gives the codes themselves."""

    at: datetime
    kind: str
    label: str
    vars: dict = field(default_factory=dict)
    who: str | None = None
    href: str | None = None
    response: str | None = None
    detail: str | None = None
    words: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"at": self.at.isoformat(), "kind": self.kind, "label": self.label, "vars": self.vars,
                "who": self.who, "href": self.href, "response": self.response, "detail": self.detail}


@dataclass(frozen=True)
class Face:
    """A domain's face: `package` is the domain package; its `locales/` and `templates/` are found there."""

    name: str
    package: str
    models: tuple[str, ...] = ()  # modules whose tables register on the shared metadata when imported
    api: tuple[str, ...] = ()  # modules whose `router` holds JSON routes under /api
    pages: tuple[str, ...] = ()  # modules whose `router` holds HTML pages: staff pages first, then buyer pages
    cli: str | None = None  # the module whose `register(app)` adds the domain's commands to `shopcx`
    jobs: str | None = None  # the module of the domain's event handlers and periodic tasks
    nav: tuple[NavEntry, ...] = ()
    customer_panel: str | None = None  # "module:function"; function(session, customer, viewer) -> Panel | None
    # "module:function"; function(session, review, case, viewer) -> Panel | None: the domain's section of the review
    # page beside the review's care case (case None: the review has none)
    review_panel: str | None = None
    # "module:function"; function(session, entity, ids) -> {id: (name, href or None)} for the records the domain
    # owns (the audit log shows them by name with a link); {} for an entity it does not know
    entity_links: str | None = None
    # "module:function"; function(session, customer_id, limit) -> [TimelineEntry] the domain holds for the customer
    timeline: str | None = None
    # a module with erase(session, erasure) (remove the buyer's identifying data the domain holds, keeping amounts
    # and ledger lines) and export(session, customer_id) -> {table: [row dicts]} (everything it holds about them)
    privacy: str | None = None

    def _module(self, name: str) -> ModuleType:
        return import_module(f"{self.package}.{name}")

    @property
    def folder(self) -> Path:
        """The domain package's folder."""
        return Path(import_module(self.package).__file__).resolve().parent

    def load_models(self) -> None:
        """Import the modules that define the domain's tables (for Alembic and metadata-wide checks)."""
        for name in self.models:
            self._module(name)

    def api_routers(self) -> list[Any]:
        """The domain's JSON routers."""
        return [self._module(name).router for name in self.api]

    def page_routers(self) -> list[Any]:
        """The domain's page routers."""
        return [self._module(name).router for name in self.pages]

    def register_cli(self, app: Any) -> None:
        """Add the domain's commands to the root Typer app."""
        if self.cli:
            self._module(self.cli).register(app)

    def load_handlers(self) -> None:
        """Import the jobs module, whose @on_event handlers register on import (once per process)."""
        if self.jobs:
            self._module(self.jobs)

    def register_periodic(self) -> None:
        """Register the domain's periodic tasks on the queue."""
        if self.jobs:
            self._module(self.jobs).register_periodic()

    def customer_panel_for(self, session: Any, customer: Any, viewer: Any) -> Panel | None:
        """The domain's section of the customer page for this customer and viewer, if it has one."""
        if not self.customer_panel:
            return None
        module, function = self.customer_panel.split(":")
        return getattr(self._module(module), function)(session, customer, viewer)

    def review_panel_for(self, session: Any, review: Any, case: Any, viewer: Any) -> Panel | None:
        """The domain's section of the review page for this review, its care case and the viewer, if it has one."""
        if not self.review_panel:
            return None
        module, function = self.review_panel.split(":")
        return getattr(self._module(module), function)(session, review, case, viewer)

    def timeline_for(self, session: Any, customer_id: int, limit: int) -> list[TimelineEntry]:
        """The domain's entries on the customer's timeline (the latest `limit` of each kind it holds)."""
        if not self.timeline:
            return []
        module, function = self.timeline.split(":")
        return getattr(self._module(module), function)(session, customer_id, limit)

    def erase(self, session: Any, erasure: Any) -> None:
        """Remove the buyer's identifying data the domain holds (see core/privacy.py)."""
        if self.privacy:
            self._module(self.privacy).erase(session, erasure)

    def export(self, session: Any, customer_id: int) -> dict[str, list[dict]]:
        """Everything the domain holds about the buyer, as rows per table."""
        return self._module(self.privacy).export(session, customer_id) if self.privacy else {}

    def privacy_part(self, name: str):
        """An optional function of the domain's privacy module (`blockers`, `expire`), or None."""
        return getattr(self._module(self.privacy), name, None) if self.privacy else None

    def entity_links_for(self, session: Any, entity: str, ids: set[str]) -> dict[str, tuple[str, str | None]]:
        """Names and links of the domain's records of one entity type (none for an entity it does not own)."""
        if not self.entity_links or not ids:
            return {}
        module, function = self.entity_links.split(":")
        return getattr(self._module(module), function)(session, entity, ids)

    @property
    def locales(self) -> Path | None:
        """The folder of the domain's label catalogs (`zh.json`, `en.json`), if it has one."""
        folder = self.folder / "locales"
        return folder if folder.is_dir() else None

    @property
    def templates(self) -> Path | None:
        """The folder of the domain's templates (named `<domain>/<file>.html` in pages), if it has one."""
        folder = self.folder / "templates"
        return folder if folder.is_dir() else None

"""Per shop and platform settings (windows, reply rule, care deadlines, DSR benchmarks) and reply templates."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ...core import clock
from ...core.errors import InvalidInput, NotFound
from ...core.outgoing import check_outgoing
from ...shops.models import PLATFORMS, Shop
from ...staff.service import Actor, audit
from .. import repository, rules
from ..models import ReplyTemplate, Review, ReviewSettings
from ..schemas import SettingsIn, TemplateIn

# Benchmarks a seller compares against when none is configured: the score most categories' top shops hold.
DEFAULT_BENCHMARK = 4.8


@dataclass(frozen=True)
class ShopReviewSettings:
    """The settings that apply to one shop on one platform (stored, or the defaults)."""

    platform: str
    windows: rules.PlatformWindows
    benchmarks: dict[str, float | None]
    stored: bool


def check_platform(platform: str, field: str = "platform") -> str:
    """A known platform name, or an error naming the field."""
    value = (platform or "").strip().lower()
    if value not in PLATFORMS:
        raise InvalidInput("invalid_platform", f"{field}: '{platform}' is not one of {', '.join(PLATFORMS)}",
                           field=field)
    return value


def settings_for(session: Session, shop_id: int, platform: str) -> ShopReviewSettings:
    """The windows and benchmarks of a shop on a platform; the defaults (15/30 days, 4.8) when none are stored."""
    row = repository.settings_row(session, shop_id, platform)
    if row is None:
        return ShopReviewSettings(platform=platform, windows=rules.PlatformWindows(),
                                  benchmarks={dim: DEFAULT_BENCHMARK for dim in rules.DIMENSIONS}, stored=False)
    windows = rules.PlatformWindows(rating_days=row.rating_days, revision_days=row.revision_days,
                                    max_revisions=row.max_revisions, reply_allowed=row.reply_allowed,
                                    care_due_hours=row.care_due_hours, followup_due_hours=row.followup_due_hours)
    benchmarks = {"description": row.benchmark_description, "service": row.benchmark_service,
                  "logistics": row.benchmark_logistics}
    return ShopReviewSettings(platform=platform, windows=windows, benchmarks=benchmarks, stored=True)


def settings_for_review(session: Session, review: Review) -> ShopReviewSettings:
    return settings_for(session, review.shop_id, review.platform)


_FIELDS = ("rating_days", "revision_days", "max_revisions", "reply_allowed", "care_due_hours", "followup_due_hours",
           "benchmark_description", "benchmark_service", "benchmark_logistics")


def update_settings(session: Session, shop: Shop, platform: str, data: SettingsIn, *,
                    actor: Actor) -> ShopReviewSettings:
    """Store the given fields for the shop on the platform (the rest keep their value or default); audited."""
    platform = check_platform(platform)
    current = settings_for(session, shop.id, platform)
    row = repository.settings_row(session, shop.id, platform)
    if row is None:
        w = current.windows
        row = ReviewSettings(shop_id=shop.id, platform=platform, rating_days=w.rating_days,
                             revision_days=w.revision_days, max_revisions=w.max_revisions,
                             reply_allowed=w.reply_allowed, care_due_hours=w.care_due_hours,
                             followup_due_hours=w.followup_due_hours,
                             benchmark_description=current.benchmarks["description"],
                             benchmark_service=current.benchmarks["service"],
                             benchmark_logistics=current.benchmarks["logistics"])
        session.add(row)
    changes = {}
    for name in data.model_fields_set:
        value = getattr(data, name)
        if value is None and not name.startswith("benchmark_"):
            raise InvalidInput("invalid_input", f"{name}: cannot be empty", field=name)
        if getattr(row, name, None) != value:
            changes[name] = {"from": getattr(row, name, None), "to": value}
            setattr(row, name, value)
    row.updated_at = clock.now()
    row.updated_by = actor.label
    session.flush()
    audit(session, actor, "review.settings", "shop", shop.id, {"platform": platform, **changes})
    return settings_for(session, shop.id, platform)


# --- reply templates -----------------------------------------------------------------------------------------


def add_template(session: Session, shop: Shop, data: TemplateIn, *, actor: Actor) -> ReplyTemplate:
    """Store a reply template after checking its placeholders and the platform-rule guard."""
    problem = rules.template_problem(data.body)
    if problem:
        raise InvalidInput("invalid_template", f"body: {problem}", field="body")
    guard(data.body, "body")
    template = ReplyTemplate(shop_id=shop.id, rating_class=data.rating_class, locale=data.locale,
                             body=data.body.strip(), is_active=True, created_at=clock.now(), created_by=actor.label)
    session.add(template)
    session.flush()
    audit(session, actor, "review.template_add", "shop", shop.id,
          {"template_id": template.id, "rating_class": data.rating_class, "body": template.body})
    return template


def retire_template(session: Session, shop: Shop, template_id: int, *, actor: Actor) -> None:
    """Stop suggesting a template (kept for the audit trail)."""
    template = session.get(ReplyTemplate, template_id)
    if template is None or template.shop_id != shop.id:
        raise NotFound("template_not_found", f"template: no reply template {template_id} in shop '{shop.code}'",
                       field="template")
    if template.is_active:
        template.is_active = False
        audit(session, actor, "review.template_retire", "shop", shop.id, {"template_id": template.id})
        session.flush()


def list_templates(session: Session, shop: Shop) -> list[ReplyTemplate]:
    return repository.templates(session, shop.id, active_only=True)


def guard(text: str | None, field: str) -> None:
    """The platform-rule guard on a text to a buyer (`core.outgoing.check_outgoing`, shared by every domain)."""
    check_outgoing(text, field)

"""Review settings over JSON: rating and revision windows, care deadlines, DSR benchmarks and reply
templates."""


from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from ...shops import service as shops
from ...shops.models import Shop
from ...web.api import SessionDep
from ...web.deps import RowId
from .. import service
from ..schemas import (
    SettingsIn,
    SettingsOut,
    TemplateIn,
    TemplateOut,
)
from .base import Manager

router = APIRouter()


def _settings_out(shop: Shop, current) -> SettingsOut:
    w = current.windows
    return SettingsOut(shop=shop.code, platform=current.platform, stored=current.stored, rating_days=w.rating_days,
                       revision_days=w.revision_days, max_revisions=w.max_revisions, reply_allowed=w.reply_allowed,
                       care_due_hours=w.care_due_hours, followup_due_hours=w.followup_due_hours,
                       benchmark_description=current.benchmarks["description"],
                       benchmark_service=current.benchmarks["service"],
                       benchmark_logistics=current.benchmarks["logistics"])


PlatformQuery = Annotated[str | None, Query(description="Default: the shop's platform")]


@router.get("/shops/{shop_code}/review-settings", response_model=SettingsOut, tags=["settings"])
def get_settings(shop_code: str, actor: Manager, session: SessionDep, platform: PlatformQuery = None) -> SettingsOut:
    """The rating and revision windows, reply rule, care deadlines and DSR benchmarks (or the defaults)."""
    shop = shops.get_shop(session, shop_code)
    name = service.settings.check_platform(platform or shop.platform)
    return _settings_out(shop, service.settings_for(session, shop.id, name))


@router.put("/shops/{shop_code}/review-settings", response_model=SettingsOut, tags=["settings"])
def put_settings(shop_code: str, data: SettingsIn, actor: Manager, session: SessionDep,
                 platform: PlatformQuery = None) -> SettingsOut:
    """Change the given settings of the shop on the platform; the others keep their value."""
    shop = shops.get_shop(session, shop_code)
    current = service.update_settings(session, shop, platform or shop.platform, data, actor=actor)
    return _settings_out(shop, current)


@router.get("/shops/{shop_code}/reply-templates", response_model=list[TemplateOut], tags=["settings"])
def list_templates(shop_code: str, actor: Manager, session: SessionDep) -> list[TemplateOut]:
    """The shop's active reply templates (none: the built-in ones are suggested)."""
    return [TemplateOut.model_validate(t) for t in service.list_templates(session, shops.get_shop(session,
                                                                                                   shop_code))]


@router.post("/shops/{shop_code}/reply-templates", response_model=TemplateOut, status_code=201, tags=["settings"])
def add_template(shop_code: str, data: TemplateIn, actor: Manager, session: SessionDep) -> TemplateOut:
    """Add a reply template; it may use {name}, {product} and {shop} and must pass the platform-rule guard."""
    return TemplateOut.model_validate(service.add_template(session, shops.get_shop(session, shop_code), data,
                                                           actor=actor))


@router.delete("/shops/{shop_code}/reply-templates/{template_id}", status_code=204, tags=["settings"])
def retire_template(shop_code: str, template_id: RowId, actor: Manager, session: SessionDep) -> Response:
    """Stop suggesting a template."""
    service.retire_template(session, shops.get_shop(session, shop_code), template_id, actor=actor)
    return Response(status_code=204)

"""The program over JSON: create it, its versions (draft, backtest, publish), the liability report and the
daily calendar work."""


from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter
from sqlalchemy.orm import Session

from ...core.errors import NotFound
from ...shops import service as shops
from ...web.api import SessionDep
from ...web.deps import RowId
from ..config import parse_config
from ..schemas import (
    BacktestIn,
    DraftIn,
    ProgramCreateIn,
    ProgramOut,
    PublishIn,
    VersionDetailOut,
    VersionOut,
)
from ..service import daily as lifecycle
from ..service import reports
from ..service.members import referrals
from ..service.program import backtest
from ..service.program import versions as programs
from .base import BASE, CONFLICT, Reader, Settings, Writer, active_program, shop_today

router = APIRouter()


def _program_out(session: Session, shop_code: str) -> ProgramOut:
    shop = shops.get_shop(session, shop_code)
    program = programs.require_program(session, shop.id)
    config = programs.config_of(session, program).model_dump(mode="json") if program.published_version else None
    return ProgramOut(id=program.id, shop=shop.code, name=program.name, currency=program.currency,
                      is_active=program.is_active, published_version=program.published_version,
                      versions=[VersionOut.model_validate(v) for v in programs.versions(session, program)],
                      config=config)


@router.post(BASE + "/program", response_model=ProgramOut, status_code=201, responses=CONFLICT)
def create_program(shop_code: str, data: ProgramCreateIn, actor: Settings, session: SessionDep) -> ProgramOut:
    """Start the shop's program, published at once (the standard rules unless a rule set is given)."""
    programs.create_program(session, shops.get_shop(session, shop_code), actor=actor, name=data.name,
                            config=data.config)
    return _program_out(session, shop_code)


@router.get(BASE + "/program", response_model=ProgramOut)
def get_program(shop_code: str, actor: Reader, session: SessionDep) -> ProgramOut:
    """The program with its versions and the published rules."""
    return _program_out(session, shop_code)


@router.get(BASE + "/program/versions/{version}", response_model=VersionDetailOut)
def get_version(shop_code: str, version: RowId, actor: Reader, session: SessionDep) -> VersionDetailOut:
    """One version with its rules."""
    program = programs.require_program(session, shops.get_shop(session, shop_code).id)
    return VersionDetailOut.model_validate(programs.get_version(session, program, version))


@router.put(BASE + "/program/draft", response_model=VersionDetailOut)
def save_draft(shop_code: str, data: DraftIn, actor: Settings, session: SessionDep) -> VersionDetailOut:
    """Store rules as the open draft (replacing it); 422 names the field, e.g. `tiers.1.min_orders`."""
    program = programs.require_program(session, shops.get_shop(session, shop_code).id)
    return VersionDetailOut.model_validate(programs.save_draft(session, program, data.config, actor=actor,
                                                               note=data.note))


@router.post(BASE + "/program/backtest")
def run_backtest(shop_code: str, data: BacktestIn, actor: Reader, session: SessionDep) -> dict:
    """What the draft (or a given version or rule set) would do to tiers and liability; nothing is written."""
    program = active_program(session, shop_code)
    version = data.version
    if data.config is not None:
        candidate = parse_config(data.config)
    else:
        if version is None:
            draft = next((v for v in programs.versions(session, program.program) if v.status == "draft"), None)
            if draft is None:
                raise NotFound("no_draft", "version: there is no draft; save one or name a version", field="version")
            version = draft.version
        candidate = programs.config_of(session, program.program, version)
    return backtest.run(session, program, candidate, today=shop_today(program), candidate_version=version)


@router.post(BASE + "/program/publish", response_model=VersionOut, responses=CONFLICT)
def publish(shop_code: str, data: PublishIn, actor: Settings, session: SessionDep) -> VersionOut:
    """Make a draft the rules in force (409 when the version is not a draft)."""
    program = programs.require_program(session, shops.get_shop(session, shop_code).id)
    return VersionOut.model_validate(programs.publish_version(session, program, data.version, actor=actor))


@router.get(BASE + "/liability")
def liability(shop_code: str, actor: Reader, session: SessionDep) -> dict:
    """Outstanding and pending points valued in money, expiring next month, breakage, lifetime totals, tier mix."""
    program = active_program(session, shop_code)
    return reports.liability(session, program, today=shop_today(program))


@router.post(BASE + "/daily")
def run_daily(shop_code: str, actor: Writer, session: SessionDep, force_review: bool = False) -> dict:
    """Run today's calendar work now (activation, expiry, birthdays, reviews); running it twice changes nothing."""
    program = active_program(session, shop_code)
    today = shop_today(program)
    result = lifecycle.run_daily(session, program, today, force_review=force_review)
    result.referrals += referrals.reward_due(session, program, today)
    return {"as_of": today.isoformat(), **asdict(result)}


"""Loyalty over JSON, per shop: the program and its versions (draft, backtest, publish), members with their card,
ledger and tier history, tier floors, manual adjustments and their approval, the liability report, the daily work,
and the rewards, coupons, points payments, quotes and referrals. Reading needs `loyalty:read`, changing
`loyalty:write`. Spending points requires an idempotency key (header `Idempotency-Key` or body field)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Response
from sqlalchemy.orm import Session

from ..core import clock
from ..core.errors import InvalidInput, NotFound
from ..shops import service as shops
from ..staff.service import Actor
from ..web.api import API_ERRORS, ErrorOut, PageDep, Paging, SessionDep, bearer_scheme
from ..web.deps import RowId, require_scope
from . import adjustments, backtest, lifecycle, referrals, reports, repository, tiers
from . import program as programs
from .accounts import enrol, find_account
from .config import parse_config
from .models import LoyaltyAccount
from .program import ActiveProgram
from .schemas import (
    AdjustIn,
    AdjustOut,
    BacktestIn,
    DecisionIn,
    DraftIn,
    EnrolIn,
    EntryOut,
    EntryPage,
    FloorIn,
    MemberPage,
    MemberRowOut,
    ProgramCreateIn,
    ProgramOut,
    PublishIn,
    RequestOut,
    RequestPage,
    RequestRowOut,
    TierChangeOut,
    TierChangePage,
    VersionDetailOut,
    VersionOut,
)

router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer_scheme)], responses=API_ERRORS, tags=["loyalty"])
Reader = Annotated[Actor, Depends(require_scope("loyalty:read"))]
Writer = Annotated[Actor, Depends(require_scope("loyalty:write"))]
KeyHeader = Annotated[str | None, Header(alias="Idempotency-Key", max_length=100,
                                         description="Makes a retried request act once")]
BASE = "/shops/{shop_code}/loyalty"
_CONFLICT = {409: {"model": ErrorOut, "description": "A loyalty rule refused it (not enough points, decided, ...)"}}


def _active(session: Session, shop_code: str) -> ActiveProgram:
    shop = shops.get_shop(session, shop_code)
    program = programs.active(session, shop.id)
    if program is None:
        raise NotFound("no_program", f"shop: {shop_code} has no published loyalty program", field="shop")
    return program


def _member(session: Session, program: ActiveProgram, customer_id: int) -> LoyaltyAccount:
    account = find_account(session, program.program.id, customer_id)
    if account is None:
        raise NotFound("member_not_found", f"customer_id: customer {customer_id} is not a member of this program",
                       field="customer_id")
    return account


def _today(program: ActiveProgram):
    return clock.today_in(program.shop.timezone)


def _key(header: str | None, body: str | None, program: ActiveProgram) -> str:
    key = (header or body or "").strip()
    if not key:
        raise InvalidInput("idempotency_key_required", "Idempotency-Key: spending points needs an idempotency key "
                           "(the header, or `idempotency_key` in the body)", field="Idempotency-Key")
    return f"{program.program.id}:{key}"  # clients of different shops may pick the same keys


def _page(items: list, total: int, page: Paging) -> dict:
    return {"items": items, "total": total, "page": page.page, "page_size": page.page_size}


# --- program ------------------------------------------------------------------------------------------------------

def _program_out(session: Session, shop_code: str) -> ProgramOut:
    shop = shops.get_shop(session, shop_code)
    program = programs.require_program(session, shop.id)
    config = programs.config_of(session, program).model_dump(mode="json") if program.published_version else None
    return ProgramOut(id=program.id, shop=shop.code, name=program.name, currency=program.currency,
                      is_active=program.is_active, published_version=program.published_version,
                      versions=[VersionOut.model_validate(v) for v in programs.versions(session, program)],
                      config=config)


@router.post(BASE + "/program", response_model=ProgramOut, status_code=201, responses=_CONFLICT)
def create_program(shop_code: str, data: ProgramCreateIn, actor: Writer, session: SessionDep) -> ProgramOut:
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
def save_draft(shop_code: str, data: DraftIn, actor: Writer, session: SessionDep) -> VersionDetailOut:
    """Store rules as the open draft (replacing it); 422 names the field, e.g. `tiers.1.min_orders`."""
    program = programs.require_program(session, shops.get_shop(session, shop_code).id)
    return VersionDetailOut.model_validate(programs.save_draft(session, program, data.config, actor=actor,
                                                               note=data.note))


@router.post(BASE + "/program/backtest")
def run_backtest(shop_code: str, data: BacktestIn, actor: Reader, session: SessionDep) -> dict:
    """What the draft (or a given version or rule set) would do to tiers and liability; nothing is written."""
    program = _active(session, shop_code)
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
    return backtest.run(session, program, candidate, today=_today(program), candidate_version=version)


@router.post(BASE + "/program/publish", response_model=VersionOut, responses=_CONFLICT)
def publish(shop_code: str, data: PublishIn, actor: Writer, session: SessionDep) -> VersionOut:
    """Make a draft the rules in force (409 when the version is not a draft)."""
    program = programs.require_program(session, shops.get_shop(session, shop_code).id)
    return VersionOut.model_validate(programs.publish_version(session, program, data.version, actor=actor))


# --- members ------------------------------------------------------------------------------------------------------

@router.get(BASE + "/members", response_model=MemberPage)
def list_members(shop_code: str, actor: Reader, session: SessionDep, page: PageDep,
                 tier: str | None = None, min_balance: Annotated[int | None, Query(ge=0)] = None,
                 max_balance: Annotated[int | None, Query(ge=0)] = None,
                 expiring_within_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
                 q: Annotated[str | None, Query(max_length=100, description="Name, id, referral code; phone or "
                                                                            "email with the `pii` scope")] = None,
                 order: Literal[repository.MEMBER_ORDERS] = "balance") -> MemberPage:
    """One page of members with balances and points expiring soon (30 days unless a window is given)."""
    program = _active(session, shop_code)
    today = _today(program)
    rows, total = repository.search_members(
        session, program.program.id, tier=tier, min_balance=min_balance, max_balance=max_balance,
        expiring_within_days=expiring_within_days, today=today, query=q, by_contacts=actor.allows("pii"),
        order=order, page=page.page, page_size=page.page_size)
    return MemberPage(as_of=today, **_page([MemberRowOut.model_validate(r) for r in rows], total, page))


@router.post(BASE + "/members", status_code=201,
             responses={200: {"description": "The customer was already a member"}})
def enrol_member(shop_code: str, data: EnrolIn, response: Response, actor: Writer, session: SessionDep) -> dict:
    """Make a customer a member (with the joining bonus); 200 with the card when they already are."""
    program = _active(session, shop_code)
    known = find_account(session, program.program.id, data.customer_id) is not None
    account = enrol(session, program, data.customer_id, actor=actor.label)
    response.status_code = 200 if known else 201
    return reports.member_card(session, program, account, today=_today(program))


@router.get(BASE + "/members/{customer_id}")
def get_member(shop_code: str, customer_id: RowId, actor: Reader, session: SessionDep,
               expiring_days: Annotated[int, Query(ge=1, le=3650)] = 30) -> dict:
    """The member card: tier and benefits, gaps to the next tier and to keep this one, balances, expiring soon."""
    program = _active(session, shop_code)
    return reports.member_card(session, program, _member(session, program, customer_id), today=_today(program),
                               expiring_days=expiring_days)


@router.get(BASE + "/members/{customer_id}/ledger", response_model=EntryPage)
def member_ledger(shop_code: str, customer_id: RowId, actor: Reader, session: SessionDep,
                  page: PageDep) -> EntryPage:
    """One page of the member's ledger, newest first."""
    program = _active(session, shop_code)
    rows, total = repository.member_history(session, _member(session, program, customer_id).id, page=page.page,
                                            page_size=page.page_size)
    return EntryPage(**_page([EntryOut.model_validate(r) for r in rows], total, page))


@router.get(BASE + "/members/{customer_id}/tier-changes", response_model=TierChangePage)
def member_tier_changes(shop_code: str, customer_id: RowId, actor: Reader, session: SessionDep,
                        page: PageDep) -> TierChangePage:
    """One page of the member's tier changes, newest first."""
    program = _active(session, shop_code)
    rows, total = repository.tier_changes(session, _member(session, program, customer_id).id, page=page.page,
                                          page_size=page.page_size)
    return TierChangePage(**_page([TierChangeOut.model_validate(r) for r in rows], total, page))


@router.put(BASE + "/members/{customer_id}/tier-floor")
def set_tier_floor(shop_code: str, customer_id: RowId, data: FloorIn, actor: Writer, session: SessionDep) -> dict:
    """Set (or remove, with tier null) the tier the member never falls below, with a reason; returns the card."""
    program = _active(session, shop_code)
    account = _member(session, program, customer_id)
    tiers.set_floor(session, program, account, data.tier, reason=data.reason, until=data.until_on, actor=actor)
    return reports.member_card(session, program, account, today=_today(program))


# --- adjustments --------------------------------------------------------------------------------------------------

@router.post(BASE + "/members/{customer_id}/adjustments", response_model=AdjustOut, status_code=201,
             responses={202: {"model": AdjustOut, "description": "Above the limit: a request waits for approval"},
                        **_CONFLICT})
def adjust(shop_code: str, customer_id: RowId, data: AdjustIn, response: Response, actor: Writer,
           session: SessionDep, idempotency_key: KeyHeader = None) -> AdjustOut:
    """Adjust points by hand with a reason. An API token has no limit of its own, so every adjustment made with
    one becomes a request (202) that a manager or owner approves on the staff pages."""
    program = _active(session, shop_code)
    account = _member(session, program, customer_id)
    result = adjustments.adjust_points(session, program, account, data.points, data.reason, actor=actor,
                                       idempotency_key=idempotency_key)
    response.status_code = 201 if result.posted else 202
    return AdjustOut(status="posted" if result.posted else "pending_approval",
                     entry=EntryOut.model_validate(result.entry) if result.entry else None,
                     request=RequestOut.model_validate(result.request) if result.request else None,
                     balance=account.balance)


@router.get(BASE + "/adjustment-requests", response_model=RequestPage)
def list_requests(shop_code: str, actor: Reader, session: SessionDep, page: PageDep,
                  status: Literal["pending", "approved", "rejected", "all"] = "pending") -> RequestPage:
    """One page of adjustment requests: pending ones oldest first, decided ones newest first."""
    program = _active(session, shop_code)
    rows, total = repository.adjustment_requests(session, program.program.id,
                                                 status=None if status == "all" else status, page=page.page,
                                                 page_size=page.page_size)
    items = [RequestRowOut(**RequestOut.model_validate(r.request).model_dump(), customer_id=r.customer_id,
                           name=r.name, balance=r.balance) for r in rows]
    return RequestPage(**_page(items, total, page))


@router.post(BASE + "/adjustment-requests/{request_id}/{decision}", response_model=RequestOut,
             responses={403: {"model": ErrorOut, "description": "Decisions need a signed-in manager or owner"},
                        **_CONFLICT})
def decide_request(shop_code: str, request_id: RowId, decision: Literal["approve", "reject"], data: DecisionIn,
                   actor: Writer, session: SessionDep) -> RequestOut:
    """Approve or reject a request. Always 403 with an API token: approvals (分级授权) are made by a person with
    the `loyalty:approve` permission on the staff pages, never by a machine."""
    program = _active(session, shop_code)
    return RequestOut.model_validate(adjustments.decide(session, program, request_id, decision == "approve",
                                                        data.note, actor=actor))


# --- reports and daily work ---------------------------------------------------------------------------------------

@router.get(BASE + "/liability")
def liability(shop_code: str, actor: Reader, session: SessionDep) -> dict:
    """Outstanding and pending points valued in money, expiring next month, breakage, lifetime totals, tier mix."""
    program = _active(session, shop_code)
    return reports.liability(session, program, today=_today(program))


@router.post(BASE + "/daily")
def run_daily(shop_code: str, actor: Writer, session: SessionDep, force_review: bool = False) -> dict:
    """Run today's calendar work now (activation, expiry, birthdays, reviews); running it twice changes nothing."""
    program = _active(session, shop_code)
    today = _today(program)
    result = lifecycle.run_daily(session, program, today, force_review=force_review)
    result.referrals += referrals.reward_due(session, program, today)
    return {"as_of": today.isoformat(), **asdict(result)}


# The spending routes (rewards, points payments, coupons, quotes, referrals) live in api_rewards.py and share this
# router; imported last because they use the helpers above.
from . import api_rewards  # noqa: E402,F401

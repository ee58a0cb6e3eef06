"""Members over JSON: the list, enrolment, one member's card, ledger and tier history, tier floors, and manual
adjustments with their approval (分级授权)."""


from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from ...web.api import ErrorOut, PageDep, SessionDep
from ...web.deps import RowId
from .. import repository
from ..schemas import (
    AdjustIn,
    AdjustOut,
    DecisionIn,
    EnrolIn,
    EntryOut,
    EntryPage,
    FloorIn,
    MemberPage,
    MemberRowOut,
    RequestOut,
    RequestPage,
    RequestRowOut,
    TierChangeOut,
    TierChangePage,
)
from ..service import reports
from ..service.members import tiers
from ..service.members.accounts import enrol, find_account
from ..service.points import adjustments
from .base import BASE, CONFLICT, Approver, KeyHeader, Reader, Writer, active_program, member_of, page_of, shop_today

router = APIRouter()


@router.get(BASE + "/members", response_model=MemberPage)
def list_members(shop_code: str, actor: Reader, session: SessionDep, page: PageDep,
                 tier: str | None = None, min_balance: Annotated[int | None, Query(ge=0)] = None,
                 max_balance: Annotated[int | None, Query(ge=0)] = None,
                 expiring_within_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
                 q: Annotated[str | None, Query(max_length=100, description="Name, id, referral code; phone or "
                                                                            "email with the `pii` scope")] = None,
                 order: Literal[repository.MEMBER_ORDERS] = "balance") -> MemberPage:
    """One page of members with balances and points expiring soon (30 days unless a window is given)."""
    program = active_program(session, shop_code)
    today = shop_today(program)
    rows, total = repository.search_members(
        session, program.program.id, tier=tier, min_balance=min_balance, max_balance=max_balance,
        expiring_within_days=expiring_within_days, today=today, query=q, by_contacts=actor.allows("pii"),
        order=order, page=page.page, page_size=page.page_size)
    return MemberPage(as_of=today, **page_of([MemberRowOut.model_validate(r) for r in rows], total, page))


@router.post(BASE + "/members", status_code=201,
             responses={200: {"description": "The customer was already a member"}})
def enrol_member(shop_code: str, data: EnrolIn, response: Response, actor: Writer, session: SessionDep) -> dict:
    """Make a customer a member (with the joining bonus); 200 with the card when they already are."""
    program = active_program(session, shop_code)
    known = find_account(session, program.program.id, data.customer_id) is not None
    account = enrol(session, program, data.customer_id, actor=actor.label)
    response.status_code = 200 if known else 201
    return reports.member_card(session, program, account, today=shop_today(program))


@router.get(BASE + "/members/{customer_id}")
def get_member(shop_code: str, customer_id: RowId, actor: Reader, session: SessionDep,
               expiring_days: Annotated[int, Query(ge=1, le=3650)] = 30) -> dict:
    """The member card: tier and benefits, gaps to the next tier and to keep this one, balances, expiring soon."""
    program = active_program(session, shop_code)
    return reports.member_card(session, program, member_of(session, program, customer_id), today=shop_today(program),
                               expiring_days=expiring_days)


@router.get(BASE + "/members/{customer_id}/ledger", response_model=EntryPage)
def member_ledger(shop_code: str, customer_id: RowId, actor: Reader, session: SessionDep,
                  page: PageDep) -> EntryPage:
    """One page of the member's ledger, newest first."""
    program = active_program(session, shop_code)
    rows, total = repository.member_history(session, member_of(session, program, customer_id).id, page=page.page,
                                            page_size=page.page_size)
    return EntryPage(**page_of([EntryOut.model_validate(r) for r in rows], total, page))


@router.get(BASE + "/members/{customer_id}/tier-changes", response_model=TierChangePage)
def member_tier_changes(shop_code: str, customer_id: RowId, actor: Reader, session: SessionDep,
                        page: PageDep) -> TierChangePage:
    """One page of the member's tier changes, newest first."""
    program = active_program(session, shop_code)
    rows, total = repository.tier_changes(session, member_of(session, program, customer_id).id, page=page.page,
                                          page_size=page.page_size)
    return TierChangePage(**page_of([TierChangeOut.model_validate(r) for r in rows], total, page))


@router.put(BASE + "/members/{customer_id}/tier-floor")
def set_tier_floor(shop_code: str, customer_id: RowId, data: FloorIn, actor: Approver, session: SessionDep) -> dict:
    """Set (or remove, with tier null) the tier the member never falls below, with a reason; returns the card."""
    program = active_program(session, shop_code)
    account = member_of(session, program, customer_id)
    tiers.set_floor(session, program, account, data.tier, reason=data.reason, until=data.until_on, actor=actor)
    return reports.member_card(session, program, account, today=shop_today(program))


@router.post(BASE + "/members/{customer_id}/adjustments", response_model=AdjustOut, status_code=201,
             responses={202: {"model": AdjustOut, "description": "Above the limit: a request waits for approval"},
                        **CONFLICT})
def adjust(shop_code: str, customer_id: RowId, data: AdjustIn, response: Response, actor: Writer,
           session: SessionDep, idempotency_key: KeyHeader = None) -> AdjustOut:
    """Adjust points by hand with a reason. An API token has no limit of its own, so every adjustment made with
    one becomes a request (202) that a manager or owner approves on the staff pages."""
    program = active_program(session, shop_code)
    account = member_of(session, program, customer_id)
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
    program = active_program(session, shop_code)
    rows, total = repository.adjustment_requests(session, program.program.id,
                                                 status=None if status == "all" else status, page=page.page,
                                                 page_size=page.page_size)
    items = [RequestRowOut(**RequestOut.model_validate(r.request).model_dump(), customer_id=r.customer_id,
                           name=r.name, balance=r.balance) for r in rows]
    return RequestPage(**page_of(items, total, page))


@router.post(BASE + "/adjustment-requests/{request_id}/{decision}", response_model=RequestOut,
             responses={403: {"model": ErrorOut, "description": "Decisions need a signed-in manager or owner"},
                        **CONFLICT})
def decide_request(shop_code: str, request_id: RowId, decision: Literal["approve", "reject"], data: DecisionIn,
                   actor: Approver, session: SessionDep) -> RequestOut:
    """Approve or reject a request. Always 403 with an API token: approvals (分级授权) are made by a person with
    the `loyalty:approve` permission on the staff pages, never by a machine."""
    program = active_program(session, shop_code)
    return RequestOut.model_validate(adjustments.decide(session, program, request_id, decision == "approve",
                                                        data.note, actor=actor))


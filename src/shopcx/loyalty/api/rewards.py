"""Loyalty over JSON: the rewards catalogue, spending points (rewards, points as payment), coupons,
checkout quotes and referrals. Spending requires an idempotency key."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from ...core.errors import NotFound
from ...shops import service as shops
from ...web.api import PageDep, SessionDep
from ...web.deps import RowId
from ..schemas import (
    CouponChangeIn,
    CouponIn,
    CouponOut,
    CouponPage,
    CouponUseIn,
    CouponUseOut,
    DecisionIn,
    PaymentIn,
    PaymentOut,
    QuoteIn,
    RedeemIn,
    ReferralIn,
    ReferralOut,
    ReferralPage,
    RewardIn,
    RewardOptionOut,
    RewardOut,
)
from ..service.members import referrals
from ..service.points import ledger
from ..service.spending import checkout as offers
from ..service.spending import coupons, redemption, rewards
from .base import BASE, CONFLICT, KeyHeader, Reader, Settings, Writer, active_program, member_of, page_of, spend_key

router = APIRouter()


@router.get(BASE + "/rewards", response_model=list[RewardOut])
def list_rewards(shop_code: str, actor: Reader, session: SessionDep, active_only: bool = False) -> list[RewardOut]:
    """The rewards catalogue, cheapest first."""
    program = active_program(session, shop_code)
    return [RewardOut.model_validate(r) for r in rewards.list_rewards(session, program, active_only=active_only)]


@router.post(BASE + "/rewards", response_model=RewardOut, status_code=201)
def create_reward(shop_code: str, data: RewardIn, actor: Settings, session: SessionDep) -> RewardOut:
    """Add a reward to the catalogue."""
    program = active_program(session, shop_code)
    return RewardOut.model_validate(rewards.create_reward(session, program, actor=actor, **data.model_dump()))


@router.patch(BASE + "/rewards/{code}", response_model=RewardOut)
def update_reward(shop_code: str, code: str, data: dict, actor: Settings, session: SessionDep) -> RewardOut:
    """Change fields of a reward (coupons already issued keep their terms); unknown fields are refused by name."""
    program = active_program(session, shop_code)
    reward = rewards.get_reward(session, program, code)
    return RewardOut.model_validate(rewards.update_reward(session, program, reward, actor=actor, **data))


@router.get(BASE + "/members/{customer_id}/rewards", response_model=list[RewardOptionOut])
def member_rewards(shop_code: str, customer_id: RowId, actor: Reader, session: SessionDep) -> list[RewardOptionOut]:
    """The active catalogue as this member sees it: may they take each reward, can they afford it, and why not."""
    program = active_program(session, shop_code)
    options = rewards.rewards_for_member(session, program, member_of(session, program, customer_id))
    return [RewardOptionOut(reward=RewardOut.model_validate(o.reward), available=o.available,
                            affordable=o.affordable, reasons=o.reasons, points_short=o.points_short)
            for o in options]


@router.post(BASE + "/members/{customer_id}/redemptions", response_model=CouponOut, status_code=201,
             responses={200: {"model": CouponOut, "description": "A replay of this key: the same coupon"},
                        **CONFLICT})
def redeem(shop_code: str, customer_id: RowId, data: RedeemIn, response: Response, actor: Writer,
           session: SessionDep, idempotency_key: KeyHeader = None) -> CouponOut:
    """Take a reward for points: the points are debited and a personal coupon issued, once per idempotency key."""
    program = active_program(session, shop_code)
    key = spend_key(idempotency_key, data.idempotency_key, program)
    replay = ledger.entry_by_key(session, f"redeem:{key}") is not None
    coupon = redemption.redeem_reward(session, program, member_of(session, program, customer_id), data.reward_code,
                                      key=key, actor=actor)
    response.status_code = 200 if replay else 201
    return CouponOut.model_validate(coupon)


@router.post(BASE + "/members/{customer_id}/points-payments", response_model=PaymentOut, status_code=201,
             responses={200: {"model": PaymentOut, "description": "A replay of this key"}, **CONFLICT})
def pay_with_points(shop_code: str, customer_id: RowId, data: PaymentIn, response: Response, actor: Writer,
                    session: SessionDep, idempotency_key: KeyHeader = None) -> PaymentOut:
    """Pay part of an order with points (at most the program's percent of it), once per idempotency key."""
    program = active_program(session, shop_code)
    account = member_of(session, program, customer_id)
    paid = redemption.pay_with_points(session, program, account, order_ref=data.order_ref,
                                      order_total_amount=data.order_total_amount, points=data.points,
                                      key=spend_key(idempotency_key, data.idempotency_key, program), actor=actor)
    response.status_code = 200 if paid.replayed else 201
    return PaymentOut(entry_id=paid.entry.id, points=paid.points, value_amount=paid.value_amount,
                      replayed=paid.replayed, balance=account.balance)


@router.post(BASE + "/members/{customer_id}/points-payments/{key}/cancel", responses=CONFLICT)
def cancel_payment(shop_code: str, customer_id: RowId, key: str, actor: Writer, session: SessionDep) -> dict:
    """Give back the points of a payment whose order was never placed (the key the payment was made with)."""
    program = active_program(session, shop_code)
    account = member_of(session, program, customer_id)
    restored = redemption.cancel_points_payment(session, program, account, key=f"{program.program.id}:{key}",
                                                actor=actor)
    return {"restored": restored, "balance": account.balance}



@router.get(BASE + "/coupons", response_model=CouponPage)
def list_coupons(shop_code: str, actor: Reader, session: SessionDep, page: PageDep,
                 status: Literal["active", "used", "void"] | None = None, personal: bool | None = None) -> CouponPage:
    """One page of the shop's coupons, newest first (campaign codes and members' personal coupons)."""
    shop = shops.get_shop(session, shop_code)
    rows, total = coupons.list_coupons(session, shop.id, status=status, personal=personal, limit=page.page_size,
                                       offset=page.offset)
    return CouponPage(**page_of([CouponOut.model_validate(c) for c in rows], total, page))


@router.post(BASE + "/coupons", response_model=CouponOut, status_code=201)
def create_coupon(shop_code: str, data: CouponIn, actor: Settings, session: SessionDep) -> CouponOut:
    """Create a campaign code (generated when none is given) with validity and usage limits."""
    coupon = coupons.create_coupon(session, shops.get_shop(session, shop_code), actor=actor, **data.model_dump())
    return CouponOut.model_validate(coupon)


def _coupon(session: Session, shop_code: str, code: str):
    shop = shops.get_shop(session, shop_code)
    coupon = coupons.find_coupon(session, shop.id, code)
    if coupon is None:
        raise NotFound("coupon_not_found", f"code: there is no coupon '{coupons.normalize_code(code)}'", field="code")
    return shop, coupon


@router.patch(BASE + "/coupons/{code}", response_model=CouponOut)
def update_coupon(shop_code: str, code: str, data: CouponChangeIn, actor: Settings, session: SessionDep) -> CouponOut:
    """Change a campaign's name, end, limits or audience (its discount terms stay)."""
    _, coupon = _coupon(session, shop_code, code)
    changes = data.model_dump(exclude_unset=True)
    return CouponOut.model_validate(coupons.update_coupon(session, coupon, actor=actor, **changes))


@router.post(BASE + "/coupons/{code}/void", response_model=CouponOut)
def void_coupon(shop_code: str, code: str, data: DecisionIn, actor: Settings, session: SessionDep) -> CouponOut:
    """Withdraw a coupon (uses already made stay)."""
    _, coupon = _coupon(session, shop_code, code)
    return CouponOut.model_validate(coupons.void_coupon(session, coupon, actor=actor, reason=data.note))


@router.get(BASE + "/coupons/{code}/check", response_model=CouponOut, responses=CONFLICT)
def check_coupon(shop_code: str, code: str, actor: Reader, session: SessionDep,
                 customer_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
                 spend_amount: Annotated[int | None, Query(ge=0)] = None) -> CouponOut:
    """Whether a customer may use the coupon now (409 says why not, naming coupon_code)."""
    shop = shops.get_shop(session, shop_code)
    return CouponOut.model_validate(coupons.validate_coupon(session, shop.id, code, customer_id=customer_id,
                                                            spend_amount=spend_amount))


@router.post(BASE + "/coupons/{code}/uses", response_model=CouponUseOut, status_code=201, responses=CONFLICT)
def use_coupon(shop_code: str, code: str, data: CouponUseIn, actor: Writer, session: SessionDep) -> CouponUseOut:
    """Count the coupon as used by an order; once per order, so a replay returns the same use."""
    from ...orders import service as orders

    shop = shops.get_shop(session, shop_code)
    order = orders.get_order(session, data.order_id)
    return CouponUseOut.model_validate(coupons.apply_coupon(session, shop, code, order=order,
                                                            discount_amount=data.discount_amount, actor=actor))


@router.post(BASE + "/quote")
def quote(shop_code: str, data: QuoteIn, actor: Reader, session: SessionDep) -> dict:
    """Price a basket for a customer (tier, purchase-count ladder, new/old offers, coupon, points); writes nothing."""
    program = active_program(session, shop_code)
    return offers.quote(session, program, customer_id=data.customer_id,
                        items=[item.model_dump() for item in data.items], shipping_amount=data.shipping_amount,
                        coupon_code=data.coupon_code).as_dict()


@router.get(BASE + "/referrals", response_model=ReferralPage)
def list_referrals(shop_code: str, actor: Reader, session: SessionDep, page: PageDep,
                   status: Literal["pending", "qualified", "rewarded", "refused", "void"] | None = None,
                   ) -> ReferralPage:
    """One page of referrals, newest first."""
    program = active_program(session, shop_code)
    rows, total = referrals.list_referrals(session, program, status=status, limit=page.page_size, offset=page.offset)
    return ReferralPage(**page_of([ReferralOut.model_validate(r) for r in rows], total, page))


@router.post(BASE + "/referrals", response_model=ReferralOut, status_code=201, responses=CONFLICT)
def attach_referral(shop_code: str, data: ReferralIn, actor: Writer, session: SessionDep) -> ReferralOut:
    """Record that a new customer came with a member's code (refused for oneself, same phone, email or address)."""
    program = active_program(session, shop_code)
    return ReferralOut.model_validate(referrals.attach_referral(session, program, data.customer_id, data.code,
                                                                actor=actor))

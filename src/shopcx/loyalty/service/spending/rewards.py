"""The rewards catalogue: what members can take for points (coupons, free shipping, gifts), with stock, a limit
per member, a minimum tier and an audience (new/old customers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ....core import clock
from ....core.errors import InvalidInput, NotFound
from ....staff.service import Actor, audit
from ...config import CODE
from ...models import Coupon, LoyaltyAccount, Reward
from ..program.versions import ActiveProgram
from .coupons import paid_sales

_EDITABLE = ("name_zh", "name_en", "points_cost", "amount_off", "percent_off", "min_spend_amount", "valid_days",
             "stock", "per_member_limit", "min_tier_code", "audience", "is_active")


class RewardSpec(BaseModel):
    """A catalogue item as staff describe it (validated before it is stored)."""

    model_config = ConfigDict(extra="forbid")

    code: str
    name_zh: str = Field(min_length=1, max_length=120)
    name_en: str = Field(min_length=1, max_length=120)
    kind: Literal["coupon_amount", "coupon_percent", "free_shipping", "gift"]
    points_cost: int = Field(ge=1, le=100_000_000)
    amount_off: int | None = Field(None, ge=1)
    percent_off: int | None = Field(None, ge=1, le=90)
    min_spend_amount: int = Field(0, ge=0)
    valid_days: int = Field(30, ge=1, le=3650)
    stock: int | None = Field(None, ge=0)
    per_member_limit: int | None = Field(None, ge=1)
    min_tier_code: str | None = None
    audience: Literal["all", "new", "old"] = "all"
    is_active: bool = True

    @model_validator(mode="after")
    def _complete(self):
        if not CODE.match(self.code):
            raise ValueError("code: 1–40 of a-z, 0-9, _ and -, starting with a letter or digit")
        if self.kind == "coupon_amount" and self.amount_off is None:
            raise ValueError("amount_off: an amount-off reward needs its amount (minor units)")
        if self.kind == "coupon_percent" and self.percent_off is None:
            raise ValueError("percent_off: a percent reward needs its percent")
        return self


def _spec(data: dict) -> RewardSpec:
    try:
        return RewardSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = first.get("msg", "invalid").removeprefix("Value error, ")
        field = ".".join(str(part) for part in first.get("loc", ()))
        if not field:  # a whole-item check names its field at the start of the message
            field, _, message = message.partition(": ")
        raise InvalidInput("invalid_reward", f"{field}: {message}", field=field) from exc


def _check_tier(program: ActiveProgram, tier_code: str | None) -> None:
    if tier_code is not None and program.config.tier(tier_code) is None:
        raise InvalidInput("unknown_tier", f"min_tier_code: the program has no tier '{tier_code}'",
                           field="min_tier_code")


def create_reward(session: Session, program: ActiveProgram, *, actor: Actor, **values) -> Reward:
    """Add an item to the catalogue; its code is unique within the program."""
    spec = _spec(values)
    _check_tier(program, spec.min_tier_code)
    if get_reward(session, program, spec.code, required=False) is not None:
        raise InvalidInput("reward_code_taken", f"code: the catalogue already has '{spec.code}'", field="code")
    data = spec.model_dump()
    if spec.kind != "coupon_amount":
        data["amount_off"] = None
    if spec.kind != "coupon_percent":
        data["percent_off"] = None
    reward = Reward(program_id=program.program.id, created_at=clock.now(), **data)
    session.add(reward)
    session.flush()
    audit(session, actor, "loyalty.reward_create", "loyalty_reward", reward.id, {"code": spec.code,
                                                                                  "points_cost": spec.points_cost})
    return reward


def update_reward(session: Session, program: ActiveProgram, reward: Reward, *, actor: Actor, **changes) -> Reward:
    """Change a catalogue item; coupons already issued for it keep their terms."""
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        field = sorted(unknown)[0]
        raise InvalidInput("reward_field_not_editable", f"{field}: cannot be changed on a reward", field=field)
    current = {key: getattr(reward, key) for key in ("code", "kind", *_EDITABLE)}
    spec = _spec(current | changes)
    _check_tier(program, spec.min_tier_code)
    before = {key: current[key] for key in changes}
    for key in changes:
        setattr(reward, key, getattr(spec, key))
    session.flush()
    audit(session, actor, "loyalty.reward_update", "loyalty_reward", reward.id,
          {key: [before[key], changes[key]] for key in changes})
    return reward


def deactivate_reward(session: Session, program: ActiveProgram, reward: Reward, *, actor: Actor) -> Reward:
    """Take an item out of the catalogue (issued coupons stay valid)."""
    return update_reward(session, program, reward, actor=actor, is_active=False)


def get_reward(session: Session, program: ActiveProgram, code: str, *, required: bool = True) -> Reward | None:
    reward = session.scalar(select(Reward).where(Reward.program_id == program.program.id,
                                                 Reward.code == (code or "").strip().lower()))
    if reward is None and required:
        raise NotFound("reward_not_found", f"reward_code: the catalogue has no reward '{code}'", field="reward_code")
    return reward


def list_rewards(session: Session, program: ActiveProgram, *, active_only: bool = False) -> list[Reward]:
    """The catalogue, cheapest first."""
    stmt = select(Reward).where(Reward.program_id == program.program.id)
    if active_only:
        stmt = stmt.where(Reward.is_active)
    return list(session.scalars(stmt.order_by(Reward.points_cost, Reward.code)))


def taken_by(session: Session, reward_id: int, account_id: int) -> int:
    """How many times a member took a reward (coupons issued for it, used or not)."""
    return int(session.scalar(select(func.count(Coupon.id)).where(Coupon.reward_id == reward_id,
                                                                  Coupon.account_id == account_id)) or 0)


def refusal(session: Session, program: ActiveProgram, account: LoyaltyAccount, reward: Reward, *,
            is_old: bool | None = None) -> str | None:
    """Why a member may not take a reward (a reason code), or None; points are checked separately."""
    if not reward.is_active:
        return "reward_inactive"
    if reward.stock is not None and reward.stock <= 0:
        return "reward_out_of_stock"
    if reward.min_tier_code is not None and \
            program.config.rank(account.tier_code) < program.config.rank(reward.min_tier_code):
        return "reward_tier_too_low"
    if reward.audience != "all":
        old = is_old if is_old is not None else paid_sales(session, program.shop.id, account.customer_id) > 0
        if reward.audience == "new" and old:
            return "reward_new_customers_only"
        if reward.audience == "old" and not old:
            return "reward_old_customers_only"
    if reward.per_member_limit is not None and taken_by(session, reward.id, account.id) >= reward.per_member_limit:
        return "reward_member_limit"
    return None


@dataclass
class RewardOption:
    """A catalogue item as one member sees it."""

    reward: Reward
    available: bool
    affordable: bool
    reasons: list[str] = field(default_factory=list)
    points_short: int = 0


def rewards_for_member(session: Session, program: ActiveProgram, account: LoyaltyAccount) -> list[RewardOption]:
    """The active catalogue for a member: each item with whether they may take it and can afford it."""
    is_old = paid_sales(session, program.shop.id, account.customer_id) > 0
    options = []
    for reward in list_rewards(session, program, active_only=True):
        reason = refusal(session, program, account, reward, is_old=is_old)
        affordable = account.balance >= reward.points_cost
        reasons = [reason] if reason else []
        if not affordable:
            reasons.append("insufficient_points")
        options.append(RewardOption(reward=reward, available=reason is None and affordable, affordable=affordable,
                                    reasons=reasons, points_short=max(0, reward.points_cost - account.balance)))
    return options

"""Manual points adjustments with graded authorisation (分级授权).

Each role may post an adjustment of up to `adjust_limits[role]` points (either sign) at once; anything above it,
and anything sent with an API token, becomes a request that someone holding `loyalty:approve` decides. The
requester never decides their own request (four eyes), and an approver's own limit must cover the points, so a
request above a manager's limit waits for the owner. Every step is written to the audit log.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ....core import clock
from ....core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ....staff.service import Actor, audit
from ...models import AdjustmentRequest, LoyaltyAccount, PointsEntry
from ..members.accounts import expiry_for
from ..program.versions import ActiveProgram
from . import ledger
from .ledger import LoyaltyError

MAX_ADJUST_POINTS = 100_000_000  # far above any limit; refuses a typo of a few extra digits before it is stored


@dataclass(frozen=True)
class AdjustResult:
    """What an adjustment did: posted an entry at once, or opened a request waiting for approval."""

    entry: PointsEntry | None
    request: AdjustmentRequest | None

    @property
    def posted(self) -> bool:
        return self.entry is not None


def limit_for(program: ActiveProgram, actor: Actor) -> int:
    """Points the actor may adjust without approval; API tokens (no role) have no limit of their own: 0."""
    if actor.role is None:
        return 0
    return program.config.adjust_limits.get(actor.role, 0)


def _check(program: ActiveProgram, account: LoyaltyAccount, points: int, reason: str) -> str:
    if account.program_id != program.program.id:
        raise NotFound("member_not_found", f"member: account {account.id} is not in this program", field="member")
    if isinstance(points, bool) or not isinstance(points, int) or points == 0:
        raise InvalidInput("invalid_points", "points: a whole number of points, not 0 (negative takes points away)",
                           field="points")
    if abs(points) > MAX_ADJUST_POINTS:
        raise InvalidInput("invalid_points", f"points: at most {MAX_ADJUST_POINTS:,} either way", field="points")
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("reason_required", "reason: say why the points are adjusted", field="reason")
    if len(text) > 255:
        raise InvalidInput("reason_too_long", "reason: at most 255 characters", field="reason")
    return text


def _short(account: LoyaltyAccount, points: int) -> LoyaltyError:
    return LoyaltyError("insufficient_points", f"points: {points} would take {-points} points but the member has "
                        f"{account.balance} available", field="points",
                        values={"asked": -points, "available": account.balance})


def _post(session: Session, program: ActiveProgram, account: LoyaltyAccount, points: int, *, key: str, note: str,
          actor_label: str, detail: dict) -> PointsEntry | None:
    """Write the adjustment entry under the account lock (credit as a new lot, debit nearest-expiring first)."""
    if points > 0:
        today = clock.today_in(program.shop.timezone)
        return ledger.credit(session, account, points, key=key, kind="adjust", reason="manual",
                             expires_on=expiry_for(program, today), note=note, actor=actor_label,
                             rule_version=program.version, earned_on=today, source_type="adjustment", detail=detail)
    if account.balance < -points and ledger.entry_by_key(session, key) is None:
        raise _short(account, points)
    return ledger.debit(session, account, -points, key=key, kind="adjust", reason="manual", note=note,
                        actor=actor_label, rule_version=program.version, source_type="adjustment", detail=detail)


def adjust_points(session: Session, program: ActiveProgram, account: LoyaltyAccount, points: int, reason: str, *,
                  actor: Actor, idempotency_key: str | None = None) -> AdjustResult:
    """Add (+) or take (−) points by hand: posted at once within the actor's limit, else a pending request."""
    actor.require("loyalty:write")
    text = _check(program, account, points, reason)
    ledger.lock_account(session, account)
    limit = limit_for(program, actor)
    within = abs(points) <= limit
    if within:
        suffix = idempotency_key.strip() if idempotency_key and idempotency_key.strip() else uuid.uuid4().hex
        key = f"adjust:{account.id}:{suffix}"[:160]
        existing = ledger.entry_by_key(session, key)
        if existing is not None:  # a replayed request: the first answer stands
            return AdjustResult(entry=existing, request=None)
    if points < 0 and account.balance < -points:
        raise _short(account, points)  # a request too is refused now rather than left for an approver to find
    if within:
        entry = _post(session, program, account, points, key=key, note=text, actor_label=actor.label,
                      detail={"requested_by": actor.label, "limit": limit})
        audit(session, actor, "loyalty.adjust", "loyalty_account", account.id,
              {"points": points, "reason": text, "entry_id": entry.id, "balance": account.balance})
        return AdjustResult(entry=entry, request=None)
    request = AdjustmentRequest(account_id=account.id, points=points, reason=text, status="pending",
                                requested_by=actor.label, requested_by_id=actor.user_id, requested_at=clock.now())
    session.add(request)
    session.flush()
    audit(session, actor, "loyalty.adjust_request", "points_adjustment_request", request.id,
          {"account_id": account.id, "points": points, "reason": text, "limit": limit})
    return AdjustResult(entry=None, request=request)


def get_request(session: Session, program: ActiveProgram, request_id: int) -> AdjustmentRequest:
    """One adjustment request of this program, or 404."""
    request = session.get(AdjustmentRequest, request_id)
    if request is not None:
        account = session.get(LoyaltyAccount, request.account_id)
        if account is not None and account.program_id == program.program.id:
            return request
    raise NotFound("adjustment_request_not_found", f"request: there is no adjustment request {request_id}",
                   field="request")


def _may_decide(program: ActiveProgram, request: AdjustmentRequest, actor: Actor) -> None:
    if actor.role is None:
        raise PermissionDenied("approval_needs_staff", "approval: adjustment requests are approved or rejected by a "
                               "signed-in manager or owner, not with an API token")
    actor.require("loyalty:approve")
    same_user = actor.user_id is not None and actor.user_id == request.requested_by_id
    if same_user or actor.label == request.requested_by:
        raise PermissionDenied("four_eyes", "approval: a request is decided by someone other than its requester")


def decide(session: Session, program: ActiveProgram, request_id: int, approve: bool, note: str | None = None, *,
           actor: Actor) -> AdjustmentRequest:
    """Approve (posting the entry, key `adjust-request:<id>`) or reject a pending request; four eyes, audited."""
    request = get_request(session, program, request_id)
    _may_decide(program, request, actor)
    if request.status != "pending":
        raise Conflict("request_decided", f"request: {request.id} was already {request.status}", field="request")
    text = (note or "").strip()[:255] or None
    if approve:
        limit = limit_for(program, actor)
        if abs(request.points) > limit:
            raise PermissionDenied("over_approval_limit", f"approval: {abs(request.points)} points is above your "
                                   f"role's limit of {limit}; someone with a higher limit must approve it")
        account = ledger.lock_account(session, session.get(LoyaltyAccount, request.account_id))
        entry = _post(session, program, account, request.points, key=f"adjust-request:{request.id}",
                      note=request.reason, actor_label=actor.label,
                      detail={"request_id": request.id, "requested_by": request.requested_by,
                              "approved_by": actor.label})
        request.entry_id = entry.id if entry is not None else request.entry_id
        request.status = "approved"
    else:
        request.status = "rejected"
    request.decided_by, request.decided_at, request.decision_note = actor.label, clock.now(), text
    session.flush()
    audit(session, actor, f"loyalty.adjust_{request.status}", "points_adjustment_request", request.id,
          {"points": request.points, "note": text, "entry_id": request.entry_id})
    return request


def pending_count(session: Session, program: ActiveProgram) -> int:
    """How many adjustment requests of the program wait for a decision (the home page's 'needs attention')."""
    from ... import repository

    return repository.pending_request_count(session, program.program.id)

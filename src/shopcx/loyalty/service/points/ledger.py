"""The points ledger: every change is an inserted entry with a unique idempotency key, written together with the
balance caches it moves, under a lock on the member's account row.

Invariants (tested on SQLite and PostgreSQL):
- balance = Σ entry.points, pending_balance = Σ entry.pending_points, both ≥ 0 (CHECK constraints as backstop);
- every available point sits in a lot; Σ lot.remaining = balance; consumption takes the nearest-expiring lots first
  (lots that never expire last) and records which lots it took (`points_allocation`);
- an entry whose idempotency key exists is never written again: replaying an event changes nothing.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ....core import clock
from ....core.errors import Conflict, InvalidInput
from ...models import LoyaltyAccount, PointsAllocation, PointsEntry, PointsLot


class LoyaltyError(Conflict):
    """A loyalty rule refused the operation (not enough points, a limit reached...)."""


def lock_account(session: Session, account: LoyaltyAccount) -> LoyaltyAccount:
    """Hold the account row until commit and re-read its balances.

    PostgreSQL: SELECT … FOR UPDATE, so concurrent redemptions queue on the row. SQLite has one writer at a time;
    units of work that spend points begin IMMEDIATE (`session_scope(write=True)`, every non-GET request), so the
    balance read here cannot be stale; the version bump makes any other writer conflict rather than overwrite.
    """
    session.flush()
    session.refresh(account, with_for_update=True)
    account.version += 1
    account.updated_at = clock.now()
    return account


def entry_by_key(session: Session, key: str) -> PointsEntry | None:
    """The entry written under key, if any (every entry is flushed when written, so no autoflush is needed)."""
    with session.no_autoflush:
        return session.scalar(select(PointsEntry).where(PointsEntry.idempotency_key == key))


def _entry(session: Session, account: LoyaltyAccount, *, kind: str, key: str, reason: str, points: int = 0,
           pending: int = 0, shortfall: int = 0, flush: bool = True, **fields) -> PointsEntry:
    entry = PointsEntry(account_id=account.id, kind=kind, points=points, pending_points=pending, shortfall=shortfall,
                        reason=reason, idempotency_key=key, created_at=clock.now(), detail=fields.pop("detail", None)
                        or {}, **fields)
    session.add(entry)
    account.balance += points
    account.pending_balance += pending
    if flush:
        session.flush()
    return entry


def credit(session: Session, account: LoyaltyAccount, points: int, *, key: str, kind: str, reason: str,
           expires_on: date | None, **fields) -> PointsEntry | None:
    """Add available points as a new lot (earn at once, activate, adjust up). None if the key was used."""
    if points <= 0:
        raise InvalidInput("invalid_points", f"points: a credit must be positive, not {points}", field="points")
    if entry_by_key(session, key) is not None:
        return None
    entry = _entry(session, account, kind=kind, key=key, reason=reason, points=points, **fields)
    session.add(PointsLot(account_id=account.id, entry_id=entry.id, points=points, remaining=points,
                          expires_on=expires_on, created_at=entry.created_at))
    if kind in ("earn", "activate") and reason != "shortfall":
        account.lifetime_earned += points
    session.flush()
    return entry


def add_pending(session: Session, account: LoyaltyAccount, points: int, *, key: str, reason: str,
                **fields) -> PointsEntry | None:
    """Record points earned but not yet spendable (an order inside its return window)."""
    if points < 0:
        raise InvalidInput("invalid_points", f"points: pending points cannot be negative ({points})", field="points")
    if entry_by_key(session, key) is not None:
        return None
    return _entry(session, account, kind="earn", key=key, reason=reason, pending=points, **fields)


def activate(session: Session, account: LoyaltyAccount, earn: PointsEntry, points: int, *, expires_on: date | None,
             **fields) -> PointsEntry | None:
    """Pending points of an earn entry become available (a lot); zero when refunds took them all. Once per entry."""
    key = f"activate:{earn.id}"
    if points < 0 or entry_by_key(session, key) is not None:
        return None
    if account.pending_balance < points:
        raise LoyaltyError("ledger_inconsistent", f"account {account.id}: pending {account.pending_balance} < {points}")
    entry = _entry(session, account, kind="activate", key=key, reason=earn.reason, points=points, pending=-points,
                   parent_id=earn.id, order_id=earn.order_id, rule_version=earn.rule_version, **fields)
    if points:
        session.add(PointsLot(account_id=account.id, entry_id=entry.id, points=points, remaining=points,
                              expires_on=expires_on, created_at=entry.created_at))
        account.lifetime_earned += points
    session.flush()
    return entry


def open_lots(session: Session, account_id: int, *, first_lot_id: int | None = None) -> list[PointsLot]:
    """Lots with points left, in consumption order: nearest expiry first, never-expiring last, older first."""
    stmt = (select(PointsLot).where(PointsLot.account_id == account_id, PointsLot.remaining > 0)
            .order_by(PointsLot.expires_on.is_(None), PointsLot.expires_on, PointsLot.id))
    lots = list(session.scalars(stmt))
    if first_lot_id is not None:
        lots.sort(key=lambda lot: lot.id != first_lot_id)
    return lots


def _consume(session: Session, account: LoyaltyAccount, entry: PointsEntry, points: int,
             lots: list[PointsLot]) -> None:
    left = points
    for lot in lots:
        if left == 0:
            break
        take = min(left, lot.remaining)
        lot.remaining -= take
        left -= take
        session.add(PointsAllocation(entry_id=entry.id, lot_id=lot.id, points=take))
    if left:  # the balance cache and the lots disagree: refuse rather than write an inconsistent ledger
        raise LoyaltyError("ledger_inconsistent", f"account {account.id}: lots hold {points - left} of {points}")


def debit(session: Session, account: LoyaltyAccount, points: int, *, key: str, kind: str, reason: str,
          **fields) -> PointsEntry | None:
    """Take available points (redeem, adjust down); refused when the balance is short. None if the key was used."""
    if points <= 0:
        raise InvalidInput("invalid_points", f"points: must be positive, not {points}", field="points")
    if entry_by_key(session, key) is not None:
        return None
    if account.balance < points:
        raise LoyaltyError("insufficient_points", f"points: {points} asked, {account.balance} available",
                           field="points", values={"asked": points, "available": account.balance})
    lots = open_lots(session, account.id)
    entry = _entry(session, account, kind=kind, key=key, reason=reason, points=-points, **fields)
    _consume(session, account, entry, points, lots)
    if kind == "redeem":
        account.lifetime_redeemed += points
    session.flush()
    return entry


def take_back(session: Session, account: LoyaltyAccount, points: int, *, key: str, reason: str,
              first_lot_id: int | None = None, **fields) -> PointsEntry | None:
    """Reverse available points as far as the balance allows; the rest is recorded as a shortfall, never a debt
    below zero. The lot the points came from (if given) is taken first."""
    if points <= 0 or entry_by_key(session, key) is not None:
        return None
    taken = min(points, account.balance)
    lots = open_lots(session, account.id, first_lot_id=first_lot_id) if taken else []
    entry = _entry(session, account, kind="reverse", key=key, reason=reason, points=-taken,
                   shortfall=points - taken, **fields)
    if taken:
        _consume(session, account, entry, taken, lots)
    account.shortfall += points - taken
    account.lifetime_earned -= points
    session.flush()
    return entry


def take_back_pending(session: Session, account: LoyaltyAccount, points: int, *, key: str, reason: str,
                      **fields) -> PointsEntry | None:
    """Reverse points that are still pending (the order's return window has not closed)."""
    if points <= 0 or entry_by_key(session, key) is not None:
        return None
    if account.pending_balance < points:
        raise LoyaltyError("ledger_inconsistent", f"account {account.id}: pending {account.pending_balance} < {points}")
    return _entry(session, account, kind="reverse", key=key, reason=reason, pending=-points, **fields)


def settle_shortfall(session: Session, account: LoyaltyAccount, *, key: str) -> PointsEntry | None:
    """Points credited later pay back what an earlier refund could not take (recorded as its own entry)."""
    amount = min(account.shortfall, account.balance)
    if amount <= 0 or entry_by_key(session, key) is not None:
        return None
    lots = open_lots(session, account.id)
    entry = _entry(session, account, kind="reverse", key=key, reason="shortfall", points=-amount,
                   detail={"settled_shortfall": amount})
    _consume(session, account, entry, amount, lots)
    account.shortfall -= amount
    session.flush()
    return entry


def expire_lot(session: Session, account: LoyaltyAccount, lot: PointsLot, *, key: str) -> PointsEntry | None:
    """Expire what is left of one lot (its expiry date has begun in the shop's timezone)."""
    if lot.remaining <= 0 or entry_by_key(session, key) is not None:
        return None
    amount = lot.remaining
    entry = _entry(session, account, kind="expire", key=key, reason="expiry", points=-amount,
                   detail={"lot_id": lot.id, "expires_on": lot.expires_on.isoformat() if lot.expires_on else None})
    lot.remaining = 0
    session.add(PointsAllocation(entry_id=entry.id, lot_id=lot.id, points=amount))
    account.lifetime_expired += amount
    session.flush()
    return entry


def ledger_sums(session: Session, account_id: int) -> tuple[int, int, int]:
    """(Σ points, Σ pending_points, Σ lot remaining) straight from the rows: what the caches must equal."""
    points, pending = session.execute(
        select(func.coalesce(func.sum(PointsEntry.points), 0), func.coalesce(func.sum(PointsEntry.pending_points), 0))
        .where(PointsEntry.account_id == account_id)).one()
    lots = session.scalar(select(func.coalesce(func.sum(PointsLot.remaining), 0))
                          .where(PointsLot.account_id == account_id))
    return int(points), int(pending), int(lots)

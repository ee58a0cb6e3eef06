"""The program of a shop and its rule versions: create, draft, publish (never edit what was published)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from ....core import clock
from ....core.errors import Conflict, NotFound
from ....shops.models import Shop
from ....staff.service import Actor, audit
from ...config import ProgramConfig, default_config, parse_config
from ...models import LoyaltyProgram, ProgramVersion


@dataclass(frozen=True)
class ActiveProgram:
    """A program with its published rules, as earning and tiers use them."""

    program: LoyaltyProgram
    shop: Shop
    version: int
    config: ProgramConfig


def get_program(session: Session, shop_id: int) -> LoyaltyProgram | None:
    return session.scalar(select(LoyaltyProgram).where(LoyaltyProgram.shop_id == shop_id))


def require_program(session: Session, shop_id: int) -> LoyaltyProgram:
    program = get_program(session, shop_id)
    if program is None:
        raise NotFound("no_program", "this shop has no loyalty program yet")
    return program


def create_program(session: Session, shop: Shop, *, actor: Actor, name: str | None = None,
                   config: ProgramConfig | dict | None = None, publish: bool = True) -> LoyaltyProgram:
    """Start a shop's program (the default rules unless given), published at once unless asked not to."""
    if get_program(session, shop.id) is not None:
        raise Conflict("program_exists", f"shop {shop.code} already has a loyalty program")
    now = clock.now()
    program = LoyaltyProgram(shop_id=shop.id, name=name or f"{shop.name} 会员", currency=shop.currency,
                             is_active=True, created_at=now, updated_at=now)
    session.add(program)
    session.flush()
    parsed = config if isinstance(config, ProgramConfig) else parse_config(config) if config else default_config()
    draft = save_draft(session, program, parsed, actor=actor, note="initial rules")
    if publish:
        publish_version(session, program, draft.version, actor=actor)
    audit(session, actor, "loyalty.program_create", "loyalty_program", program.id, {"shop": shop.code})
    return program


def versions(session: Session, program: LoyaltyProgram) -> list[ProgramVersion]:
    stmt = select(ProgramVersion).where(ProgramVersion.program_id == program.id).order_by(ProgramVersion.version)
    return list(session.scalars(stmt))


def get_version(session: Session, program: LoyaltyProgram, version: int) -> ProgramVersion:
    row = session.scalar(select(ProgramVersion).where(ProgramVersion.program_id == program.id,
                                                      ProgramVersion.version == version))
    if row is None:
        raise NotFound("no_version", f"version: the program has no version {version}", field="version")
    return row


def save_draft(session: Session, program: LoyaltyProgram, config: ProgramConfig | dict, *, actor: Actor,
               note: str | None = None) -> ProgramVersion:
    """Store rules as the next draft version (the open draft is replaced; published ones stay as they were)."""
    parsed = config if isinstance(config, ProgramConfig) else parse_config(config)
    rows = versions(session, program)
    draft = next((row for row in rows if row.status == "draft"), None)
    document = parsed.model_dump(mode="json")
    if draft is None:
        draft = ProgramVersion(program_id=program.id, version=(rows[-1].version + 1) if rows else 1, status="draft",
                               config=document, note=note, created_at=clock.now(), created_by=actor.label)
        session.add(draft)
    else:
        draft.config, draft.note, draft.created_at, draft.created_by = document, note, clock.now(), actor.label
    session.flush()
    audit(session, actor, "loyalty.draft_save", "loyalty_program", program.id, {"version": draft.version})
    return draft


def publish_version(session: Session, program: LoyaltyProgram, version: int, *, actor: Actor) -> ProgramVersion:
    """Make a draft the rules in force; the previously published version is retired (kept for history)."""
    row = get_version(session, program, version)
    if row.status != "draft":
        raise Conflict("not_a_draft", f"version: {version} is {row.status}; only a draft can be published",
                       field="version")
    parse_config(row.config)  # rules stored by an older release must still be valid before they govern points
    for other in versions(session, program):
        if other.status == "published":
            other.status = "retired"
    row.status, row.published_at, row.published_by = "published", clock.now(), actor.label
    program.published_version, program.updated_at = row.version, clock.now()
    session.flush()
    audit(session, actor, "loyalty.publish", "loyalty_program", program.id, {"version": version})
    return row


def active(session: Session, shop_id: int) -> ActiveProgram | None:
    """The shop's program with its published rules, or None when there is none or it is switched off."""
    program = get_program(session, shop_id)
    if program is None or not program.is_active or program.published_version is None:
        return None
    row = get_version(session, program, program.published_version)
    return ActiveProgram(program=program, shop=session.get(Shop, shop_id), version=row.version,
                         config=_cached_config(row))


def _cached_config(row: ProgramVersion) -> ProgramConfig:
    # Parsing the rules costs more than serialising them, and a version's document decides its rules completely.
    return _parse_cached(json.dumps(row.config, sort_keys=True))


@lru_cache(maxsize=64)
def _parse_cached(document: str) -> ProgramConfig:
    return ProgramConfig.model_validate_json(document)


def config_of(session: Session, program: LoyaltyProgram, version: int | None = None) -> ProgramConfig:
    """The rules of a version (default: the published one)."""
    number = version if version is not None else program.published_version
    if number is None:
        raise NotFound("no_version", "the program has no published version")
    return _cached_config(get_version(session, program, number))

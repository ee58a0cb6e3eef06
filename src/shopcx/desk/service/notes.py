"""Notes the system writes on a ticket (a review case taken over, the problems met reading a mail) are kept as a
catalog code and its values, so each reader sees them in their own language; the message body holds the same note
in the shop's language for the API and exports. A person's words are never translated: they are values."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ...core import i18n
from ...staff.service import Actor
from ..models import Ticket, TicketMessage

Problem = tuple[str, dict]  # a catalog code (desk.mail.*) and its values


def shop_locale(shop) -> str:
    """The language a shop's buyers and staff read by default: Chinese for shops on Chinese time, else English."""
    return "zh" if shop.timezone in ("Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "Asia/Urumqi") else "en"


def _label(prefix: str, value, locale: str) -> str:
    key = f"{prefix}.{value}"
    return i18n.t(key, locale) if i18n.has(key, locale) else str(value or "")


def _when(iso: str | None, tz: str) -> str:
    if not iso:
        return "—"
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def _who(label: str | None, locale: str) -> str:
    """Who made a contact, as the page names them: a staff member's name, or the system in the reader's words."""
    kind, _, rest = (label or "").partition(":")
    if label in ("system", "demo", "worker"):
        return i18n.t(f"audit.actor_{label}", locale)
    return rest if kind == "user" and rest else label or ""


def problem_text(problem: Problem, locale: str) -> str:
    """One problem met reading a mail, in `locale` (the part it was met in is a catalog word too)."""
    code, values = problem
    if "what" in values:
        values = values | {"what": _label("desk.mail.part", values["what"], locale)}
    return i18n.t(code, locale, **values)


def render(code: str, params: dict, locale: str, tz: str) -> str:
    """A system note in `locale`, times in the shop's timezone `tz`."""
    if code == "desk.note.case_taken_over":
        lines = [i18n.t(code, locale, case=params["case"], at=_when(params.get("opened_at"), tz),
                        kind=_label("review.case.kind", params.get("kind"), locale),
                        status=_label("review.case.status", params.get("status"), locale))]
        lines += [i18n.t("desk.note.case_contact", locale, at=_when(c.get("at"), tz),
                         actor=_who(c.get("actor"), locale),
                         channel=_label("review.contact.channel", c.get("channel"), locale),
                         result=_label("review.contact.result", c.get("result"), locale),
                         note=c.get("note") or "").rstrip(" :：")
                  for c in params.get("contacts", [])]
        if params.get("resolution"):
            lines.append(i18n.t("desk.note.case_resolution", locale, text=params["resolution"]))
        if params.get("reply"):
            lines.append(i18n.t("desk.note.platform_reply", locale, text=params["reply"]))
        return "\n".join(lines)
    if code == "desk.note.mail_problems":
        joined = i18n.t("desk.note.list_separator", locale).join(
            problem_text((c, v), locale) for c, v in params.get("problems", []))
        return i18n.t(code, locale, problems=joined)
    return i18n.t(code, locale, **params)


def add_note(session: Session, ticket: Ticket, shop, code: str, params: dict, *, actor: Actor,
             now: datetime | None = None) -> TicketMessage:
    """An internal note written by the system: its code and values kept, the body in the shop's language."""
    from .tickets import add_message

    message = add_message(session, ticket, "note", render(code, params, shop_locale(shop), shop.timezone),
                          actor=actor, now=now)
    message.code, message.params = code, params
    return message


def rendered(messages: list[TicketMessage], locale: str, tz: str) -> dict[int, str]:
    """The system notes among `messages`, drawn in the reader's language: message id -> text."""
    return {m.id: render(m.code, m.params or {}, locale, tz) for m in messages if m.code}

"""What the ticket page shows of the agent's tools beside the thread: standard answers, compensation and promises
(each screen module adds its part here so the ticket page draws them in one call)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..service import answers


def answer_locale(shop) -> str:
    """The language a shop's buyers read: Chinese for shops on Chinese time, else English."""
    return "zh" if shop.timezone in ("Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "Asia/Urumqi") else "en"


def ticket_tools(session: Session, viewer, ticket, shop) -> dict:
    """The answers (grouped by category), the ticket's compensation and its promises."""
    return {"answer_groups": answers.grouped(answers.answers(session, shop.id, active_only=True)),
            "answer_locale": answer_locale(shop), "preview": None}

"""Standard answers and macros: the settings screen (grouped by category, zh/en, usage counts) and, on the ticket
page, the preview with the ticket's data and sending one (a macro also moves status, category and tags)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session

from ...shops import service as shops
from ...web.auth import PageSession, Viewer, require, verify_csrf
from ...web.deps import RowId
from ...web.templating import render
from .. import playbook, service
from ..service import answers
from .tickets import _form_int, _shop, ticket_acted
from .tools import answer_locale, settings_saved

Reader = Depends(require("desk:read"))
Writer = Depends(require("desk:write"))
Manager = Depends(require("desk:settings"))


def answers_context(session: Session, viewer: Viewer, shop_code: str, edit: int | None = None) -> dict:
    shop = _shop(session, shop_code)
    rows = answers.answers(session, shop.id)
    editing = answers.get_answer(session, edit, shop_id=shop.id) if edit else None
    return {"shop": shop, "shops": shops.list_shops(session), "groups": answers.grouped(rows), "editing": editing,
            "categories": service.CATEGORIES, "statuses": service.STATUSES, "variables": playbook.VARIABLES,
            "errors": {}, "values": {}, "done": None, "tab": "answers"}


router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


@router.get("/desk/settings/answers")
def desk_answers(request: Request, shop: str = "", edit: int = 0, done: str = "", viewer: Viewer = Manager,
                 session: Session = PageSession):
    """The shop's standard answers and macros by category, with how often each was used."""
    context = answers_context(session, viewer, shop, edit or None) | {"done": done or None}
    return render(request, "desk/answers.html", context, viewer=viewer)


@router.post("/desk/settings/answers")
def desk_answers_save(request: Request, shop: str = Form(""), answer_id: str = Form(""), title: str = Form(""),
                      category: str = Form(""), body_zh: str = Form(""), body_en: str = Form(""),
                      set_status: str = Form(""), set_category: str = Form(""), add_tags: str = Form(""),
                      is_active: str = Form("1"), viewer: Viewer = Manager, session: Session = PageSession):
    """Create or change an answer; its texts pass the platform-rule guard and may use only known variables."""
    values = {"answer_id": answer_id, "title": title, "category": category, "body_zh": body_zh, "body_en": body_en,
              "set_status": set_status, "set_category": set_category, "add_tags": add_tags}
    return settings_saved(request, session, viewer, form_name="answer", values=values, template="desk/answers.html",
                          context=lambda: answers_context(session, viewer, shop),
                          done_url=f"/desk/settings/answers?shop={shop}&done=answer",
                          action=lambda: answers.save_answer(
                              session, _shop(session, shop), title=title, body_zh=body_zh, body_en=body_en,
                              category=category or None, set_status=set_status or None,
                              set_category_to=set_category or None, add_tags=add_tags.replace("，", ",").split(","),
                              is_active=is_active == "1", answer_id=_form_int(answer_id, "answer"),
                              actor=viewer.actor))


@router.get("/desk/tickets/{ticket_id}/answer-preview")
def desk_answer_preview(request: Request, ticket_id: RowId, answer_id: str = "", locale: str = "",
                        viewer: Viewer = Reader, session: Session = PageSession):
    """The chosen answer filled with this ticket's data, as the reply box (variables without a value stay)."""
    ticket = service.get_ticket(session, ticket_id)
    shop = shops.get_shop_by_id(session, ticket.shop_id)
    number = _form_int(answer_id, "answer")
    text, missing = ("", [])
    if number:
        answer = answers.get_answer(session, number, shop_id=ticket.shop_id)
        text, missing = answers.preview(session, ticket, answer, locale=locale or answer_locale(shop),
                                        agent_name=viewer.display_name)
    return render(request, "desk/_answer_box.html", {"ticket": ticket, "preview": {"text": text, "missing": missing},
                                                     "values": {}}, viewer=viewer)


@router.post("/desk/tickets/{ticket_id}/answer")
def desk_answer_send(request: Request, ticket_id: RowId, answer_id: str = Form(""), body: str = Form(""),
                     locale: str = Form(""), viewer: Viewer = Writer, session: Session = PageSession):
    """Send the answer as a reply (the edited text), count it, and carry out the macro's changes."""
    def act():
        ticket = service.get_ticket(session, ticket_id)
        number = _form_int(answer_id, "answer")
        if number is None:
            from ...core.errors import InvalidInput

            raise InvalidInput("required", "answer: choose a standard answer", field="answer")
        answers.apply_answer(session, ticket, number, body=body or None, locale=locale or "zh", actor=viewer.actor)
    return ticket_acted(request, session, viewer, ticket_id, "answer",
                        {"answer_id": answer_id, "body": body, "locale": locale}, act)

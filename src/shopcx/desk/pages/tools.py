"""What the ticket page shows of the agent's tools beside the thread: standard answers, compensation and promises
(each screen module adds its part here so the ticket page draws them in one call)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..service import answers, notes


def answer_locale(shop) -> str:
    """The language a shop's buyers read (the one system notes are written in)."""
    return notes.shop_locale(shop)


def ticket_tools(session: Session, viewer, ticket, shop) -> dict:
    """The answers (grouped by category), the ticket's compensation and its promises."""
    from ..service import authority, ladder, promises

    return {"answer_groups": answers.grouped(answers.answers(session, shop.id, active_only=True)),
            "answer_locale": answer_locale(shop), "preview": None,
            "compensations": authority.for_ticket(session, ticket), "comp_kinds": authority.KINDS,
            "comp_limits": authority.limits_of(session, shop.id).get(viewer.role, {}), "currency": shop.currency,
            "promises": promises.for_ticket(session, ticket), "viewer_id": viewer.user_id,
            "viewer_label": viewer.actor.label, "sla_steps": ladder.steps_taken(session, ticket.id)}


def tier_context(session: Session, shop) -> dict:
    """The SLA tab's tier policies: the shop's loyalty tiers (none without a program) and their targets."""
    from ...loyalty import service as loyalty
    from ..service import members

    program = loyalty.active(session, shop.id)
    return {"tiers": program.config.tiers if program else [],
            "tier_policies": members.tier_policies(session, shop.id)}


def settings_saved(request, session: Session, viewer, *, form_name: str, values: dict, action, context, template: str,
                   done_url: str):
    """Run one settings form: a redirect to `done_url` after it, or the page again with the refusal next to the
    form and what was typed kept (nothing of it stored)."""
    from fastapi.responses import RedirectResponse

    from ...core import i18n
    from ...core.errors import ShopCXError
    from ...web.templating import render

    try:
        action()
    except ShopCXError as exc:
        session.rollback()
        shown = context() | {"errors": {form_name: i18n.error_text(exc, viewer.locale)},
                             "values": {form_name: values}}
        return render(request, template, shown, viewer=viewer, status=exc.status)
    return RedirectResponse(done_url, status_code=303)

"""Message templates: write them (checked: syntax, known variables, the platforms' rules), personalise them for one
customer (real name, tier, points, expiring points, last product, a recommendation, coupon code) and preview."""

from __future__ import annotations

import re
from functools import lru_cache

from sqlalchemy.orm import Session

from ...core import clock
from ...core.errors import InvalidInput, NotFound
from ...core.outgoing import check_outgoing
from ...loyalty.service import active, find_account
from ...loyalty.service.reports import member_card
from ...staff.service import Actor, audit
from .. import repository
from ..models import templating
from ..tables import CareTemplate
from .base import check_name

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
NEEDS_MEMBER = {"tier", "points", "expiring_points", "expiring_on"}


def get_template(session: Session, template_id: int) -> CareTemplate:
    """One template or NotFound."""
    template = session.get(CareTemplate, template_id)
    if template is None:
        raise NotFound("care_template_not_found", f"template: there is no template {template_id}", field="template")
    return template


def check_texts(subject_zh: str, body_zh: str, subject_en: str, body_en: str) -> None:
    """Each text compiles, uses only known variables and passes the platforms' rules (core.outgoing)."""
    for field, text in (("subject_zh", subject_zh), ("body_zh", body_zh), ("subject_en", subject_en),
                        ("body_en", body_en)):
        check_name(text, field, 10_000)
        templating.check_template(text, field)
        check_outgoing(text, field)


def save_template(session: Session, shop_id: int, *, code: str, name: str, subject_zh: str, body_zh: str,
                  subject_en: str, body_en: str, actor: Actor, template_id: int | None = None) -> CareTemplate:
    """Create or change a template (staff with care:write)."""
    actor.require("care:write")
    code = (code or "").strip().lower()
    if not CODE.match(code):
        raise InvalidInput("invalid_code", f"code: '{code}' must be lower-case letters, digits, - or _",
                           field="code", values={"value": code})
    check_texts(subject_zh, body_zh, subject_en, body_en)
    now = clock.now()
    template = get_template(session, template_id) if template_id else None
    if template is None:
        template = CareTemplate(shop_id=shop_id, code=code, created_at=now)
        session.add(template)
    template.code, template.name = code, check_name(name, "name")
    template.subject_zh, template.body_zh = subject_zh.strip(), body_zh.strip()
    template.subject_en, template.body_en = subject_en.strip(), body_en.strip()
    template.updated_at, template.updated_by = now, actor.label
    session.flush()
    audit(session, actor, "care.template", "care_template", template.id, {"code": code})
    return template


_UNSET = object()


def customer_values(session: Session, shop, customer, *, used: set[str] | None = None, coupon_code: str | None = None,
                    offer: str | None = None, extra: dict | None = None, program=_UNSET) -> tuple[dict, str]:
    """(the template values for one customer, their language). Only what the template uses is looked up; a batch
    passes the shop's loyalty program (or None) once for all its people."""
    from . import recommendations

    used = set(templating.VARIABLES) if used is None else used
    prefs = customer.preferences or {}
    language = templating.choose_language(prefs.get("language"), customer.country)
    values: dict = {"name": templating.greeting_name(customer.name, language), "shop": shop.name,
                    "coupon_code": coupon_code or "", "offer": offer or "", "tier": "", "points": 0,
                    "expiring_points": 0, "expiring_on": "", "last_product": "", "recommendation": "",
                    "recommendation_reason": "", "occasion_date": "", "tracking_link": ""}
    if used & NEEDS_MEMBER:
        program = active(session, shop.id) if program is _UNSET else program
        account = find_account(session, program.program.id, customer.id) if program else None
        if account is not None:
            card = member_card(session, program, account, today=clock.today_in(shop.timezone))
            values["tier"] = card["tier"]["name_zh" if language == "zh" else "name_en"]
            values["points"] = card["balance"]
            values["expiring_points"] = card["expiring_points"]
            values["expiring_on"] = card["expiring"][0]["expires_on"] if card["expiring"] else ""
    if used & {"last_product", "recommendation", "recommendation_reason"}:
        last = repository.last_products(session, shop.id, [customer.id]).get(customer.id)
        values["last_product"] = last[1] if last else ""
        pick = recommendations.recommend_for(session, shop.id, customer.id, language=language)
        if pick:
            values["recommendation"], values["recommendation_reason"] = pick["name"], pick["reason"]
    values.update(extra or {})
    return values, language


def render_for(template: CareTemplate, values: dict, language: str) -> templating.Rendered:
    """The template rendered in the customer's language, checked against the platforms' rules."""
    subject, body = ((template.subject_zh, template.body_zh) if language == "zh"
                     else (template.subject_en, template.body_en))
    rendered = templating.render_message(subject, body, values, prefix=f"{language}.")
    check_outgoing(rendered.subject, "subject")
    check_outgoing(rendered.body, "body")
    return rendered


def used_variables(template: CareTemplate) -> set[str]:
    """The variables a template's four texts use."""
    return _used(template.subject_zh, template.body_zh, template.subject_en, template.body_en)


@lru_cache(maxsize=256)
def _used(*texts: str) -> frozenset[str]:
    used: set[str] = set()
    for field, text in zip(("subject_zh", "body_zh", "subject_en", "body_en"), texts, strict=True):
        used |= set(templating.check_template(text, field))
    return frozenset(used)


def preview(session: Session, shop, template: CareTemplate, customer_id: int, *, language: str | None = None) -> dict:
    """The template rendered for a real customer (in their language unless one is asked for)."""
    customer = repository.customers_by_id(session, [customer_id]).get(customer_id)
    if customer is None or customer.erased_at is not None:
        raise NotFound("customer_not_found", f"customer: there is no customer {customer_id}", field="customer")
    values, lang = customer_values(session, shop, customer, used=used_variables(template),
                                   coupon_code="PREVIEW")
    rendered = render_for(template, values, language or lang)
    return {"language": language or lang, "subject": rendered.subject, "body": rendered.body, "values": values}


DEFAULT_TEMPLATES = {
    "birthday": ("生日祝福 / Birthday", "{{ name }}，生日快乐！", "亲爱的{{ name }}：\n{{ shop }}祝您生日快乐！"
                 "{% if tier %}作为{{ tier }}会员，{% endif %}我们为您准备了一份生日心意。"
                 "{% if coupon_code %}券码：{{ coupon_code }}{% endif %}",
                 "Happy birthday, {{ name }}!", "Dear {{ name }},\nAll of us at {{ shop }} wish you a happy birthday."
                 "{% if coupon_code %} Your birthday gift code: {{ coupon_code }}{% endif %}"),
    "win_back": ("老客回归 / Win-back", "{{ name }}，好久不见", "亲爱的{{ name }}：\n好久不见，{{ shop }}很想念您。"
                 "{% if recommendation %}您上次买的{{ last_product }}，很多顾客还搭配了{{ recommendation }}。"
                 "{% endif %}",
                 "We miss you, {{ name }}", "Dear {{ name }},\nIt has been a while. "
                 "{% if recommendation %}Customers who bought {{ last_product }} also liked {{ recommendation }}."
                 "{% endif %}"),
    "points_expiry": ("积分到期提醒 / Points expiry", "{{ name }}，您有{{ expiring_points }}积分即将到期",
                      "亲爱的{{ name }}：\n您有{{ expiring_points }}积分将于{{ expiring_on }}到期，别忘了使用。",
                      "{{ expiring_points }} points expire soon", "Dear {{ name }},\n{{ expiring_points }} of your "
                      "points expire on {{ expiring_on }}. Use them before they go."),
}

# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""The rules form (issue 13.1): every rule of the program as inputs a seller understands — amounts in major units,
multipliers as 1.5×, dates — saved as the draft; errors next to their inputs in the page's language; the
backtest of the form's values; who may save."""

from __future__ import annotations

import html
import json
from datetime import date
from html.parser import HTMLParser

import pytest

from shopcx import domains
from shopcx.loyalty.config import Earning, Offer, ProgramConfig, Promotion, default_config
from shopcx.loyalty.models import PointsEntry, ProgramVersion
from shopcx.loyalty.pages.rules_form import (
    FieldError,
    money_text,
    mult_text,
    parse_money,
    parse_mult,
    read_form,
    to_form,
)
from shopcx.staff.models import AuditLog

from ..factories import make_shop
from ..web.conftest import client, login, make_user  # noqa: F401
from .factories import make_program


@pytest.fixture(autouse=True, scope="module")
def _catalogs():
    domains.install()  # the loyalty labels (error messages) join the catalogs


# --- conversions ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, currency, minor", [
    ("12.50", "CNY", 1250), ("12.5", "CNY", 1250), ("¥1,000", "CNY", 100_000), ("0", "CNY", 0),
    ("1250", "JPY", 1250), ("3.125", "KWD", 3125),
])
def test_amounts_are_typed_in_major_units(text, currency, minor):
    assert parse_money(text, currency) == minor


@pytest.mark.parametrize("minor, currency, text", [(1250, "CNY", "12.5"), (100_000, "CNY", "1000"),
                                                   (1250, "JPY", "1250"), (5, "CNY", "0.05")])
def test_amounts_are_shown_in_major_units(minor, currency, text):
    assert money_text(minor, currency) == text
    assert parse_money(text, currency) == minor


@pytest.mark.parametrize("text, currency, key", [("12.5", "JPY", "rules.err.no_decimals"),
                                                 ("12.505", "CNY", "rules.err.decimals"),
                                                 ("-3", "CNY", "rules.err.negative"),
                                                 ("十元", "CNY", "rules.err.number")])
def test_amounts_finer_than_the_currency_or_not_numbers_are_refused_not_rounded(text, currency, key):
    with pytest.raises(FieldError) as caught:
        parse_money(text, currency)
    assert caught.value.key == key


@pytest.mark.parametrize("text, per_mille", [("1.5×", 1500), ("1.5", 1500), ("1.5x", 1500), ("2倍", 2000),
                                             ("1.25×", 1250), ("0×", 0), ("1", 1000)])
def test_multipliers_are_typed_like_people_write_them(text, per_mille):
    assert parse_mult(text) == per_mille


def test_multipliers_show_as_times():
    assert [mult_text(v) for v in (1000, 1500, 1250, 2000, 0)] == ["1×", "1.5×", "1.25×", "2×", "0×"]
    for bad, key in (("1.2345", "rules.err.mult_precision"), ("101", "rules.err.mult_max"),
                     ("-1", "rules.err.negative")):
        with pytest.raises(FieldError) as caught:
            parse_mult(bad)
        assert caught.value.key == key


def test_the_default_program_survives_the_form_unchanged():
    config = default_config()
    back, errors = read_form(to_form(config, "CNY").values, "CNY", "zh")
    assert errors == {}
    assert back == config and back.model_dump() == config.model_dump()


def _document_fields(model, prefix: str = "") -> set[str]:
    """Every leaf field of the rules document, lists and dicts by their item's fields ('tiers.*.code')."""
    from pydantic import BaseModel

    names = set()
    for name, info in model.model_fields.items():
        annotation = info.annotation
        item = getattr(annotation, "__args__", (None,))[-1]
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= _document_fields(annotation, f"{prefix}{name}.")
        elif isinstance(item, type) and issubclass(item, BaseModel):
            names |= _document_fields(item, f"{prefix}{name}.*.")
        else:
            names.add(prefix + name)
    return names


def test_every_field_of_the_rules_document_has_an_input():
    import re

    rich = _rich()
    shown = {re.sub(r"\.\d+\.", ".*.", name) for name in to_form(rich, "CNY").values}
    shown = {re.sub(r"^adjust_limits\..*", "adjust_limits", name) for name in shown}
    shown = {re.sub(r"^(earning\.\w+_multipliers)\.\*\.(key|factor)$", r"\1", name) for name in shown}
    assert _document_fields(ProgramConfig) - shown == set()


def test_an_error_after_a_removed_row_lands_on_the_typed_row():
    # Silver (row 2) is removed: gold is the document's 2nd tier but the form's 3rd row.
    values = to_form(default_config(), "CNY").values | {"tiers.1.remove": "on", "tiers.2.discount_percent": "95",
                                                        "offers.0.remove": "on", "offers.1.gift": ""}
    _, errors = read_form(values, "CNY", "en")
    assert errors == {"tiers.2.discount_percent": "Tier 3 · Member discount: at most 90",
                      "offers.1.gift": "Offer 2 · Gift: needed for this kind of offer"}


def test_rules_with_a_list_too_long_for_the_form_are_left_to_the_json_editor():
    from shopcx.loyalty.pages.rules_form import fits_form

    many = default_config().model_copy(update={"earning": Earning(
        product_multipliers={f"SKU-{n:04d}": 1500 for n in range(300)})})
    assert fits_form(default_config()) and not fits_form(many)


def _rich() -> ProgramConfig:
    """Every optional field set, so every section's conversion is exercised."""
    base = default_config()
    return base.model_copy(update={
        "tiers": [*base.tiers[:2], base.tiers[2].model_copy(update={"keep_orders": 4, "qualify_by": "both"})],
        "earning": Earning(points_per_unit=3, unit_amount=250, include_shipping=True,
                           category_multipliers={"茶叶": 1500, "茶具": 1250},
                           product_multipliers={"TEA-LJ-250": 2000, "GIFT-BAG": 0},
                           promotions=[Promotion(name="双11", start_on=date(2026, 11, 1),
                                                 end_on=date(2026, 11, 11), multiplier=2000)],
                           return_window_days=7, auto_confirm_days=10, start_on=date(2026, 1, 1), daily_cap=500,
                           monthly_cap=5000, join_points=10, review_min_chars=15, referee_points=5),
        "offers": [*base.offers, Offer(code="new30", name_zh="新客立减30", name_en="New buyers ¥30 off",
                                       audience="new", kind="amount_off", amount_off=3000, min_spend_amount=19_900)],
        "points_value_per_100": 150, "max_points_payment_percent": 30,
        "adjust_limits": {"agent": 100, "owner": 50_000}, "birthday_change_days": 180,
        "referral_reward_after_days": 20})


def test_every_section_converts_both_ways():
    config = _rich()
    values = to_form(config, "CNY").values
    assert values["tiers.1.min_spend_amount"] == "1000" and values["tiers.1.keep_spend_amount"] == "800"
    assert values["tiers.1.keep_orders"] == "" and values["tiers.2.keep_orders"] == "4"
    assert values["tiers.2.points_multiplier"] == "1.5×" and values["tiers.2.free_shipping"] == "on"
    assert values["tiers.2.qualify_by"] == "both"
    assert values["earning.unit_amount"] == "2.5" and values["earning.points_per_unit"] == "3"
    assert values["earning.category_multipliers.0.key"] == "茶叶"
    assert values["earning.category_multipliers.1.factor"] == "1.25×"
    assert values["earning.product_multipliers.1.factor"] == "0×"
    assert values["earning.promotions.0.start_on"] == "2026-11-01"
    assert values["earning.promotions.0.multiplier"] == "2×"
    assert values["earning.daily_cap"] == "500" and values["earning.start_on"] == "2026-01-01"
    assert values["ladder.0.min_orders"] == "3" and values["ladder.0.percent_off"] == "3"
    assert values["offers.2.amount_off"] == "30" and values["offers.2.min_spend_amount"] == "199"
    assert values["offers.1.gift"] == "定制帆布袋" and values["offers.1.percent_off"] == ""
    assert values["points_value_per_100"] == "1.5" and values["adjust_limits.manager"] == ""
    assert values["referral_reward_after_days"] == "20"
    back, errors = read_form(values, "CNY", "en")
    assert errors == {} and back == config


def test_typed_values_become_the_document():
    values = to_form(default_config(), "CNY").values | {
        "tiers.1.min_spend_amount": "1,500.50", "tiers.1.points_multiplier": "1.3", "tiers.1.keep_spend_amount": "",
        "earning.category_multipliers.0.key": "茶叶", "earning.category_multipliers.0.factor": "1.5×",
        "earning.unit_amount": "10", "earning.points_per_unit": "1", "earning.daily_cap": "",
        "adjust_limits.agent": "", "expiry.mode": "annual"}
    config, errors = read_form(values, "CNY", "zh")
    assert errors == {}
    silver = config.tiers[1]
    assert silver.min_spend_amount == 150_050 and silver.points_multiplier == 1300 and silver.keep_spend_amount is None
    assert config.earning.category_multipliers == {"茶叶": 1500}
    assert config.earning.unit_amount == 1000 and config.earning.daily_cap is None
    assert "agent" not in config.adjust_limits and config.expiry.mode == "annual"


def test_jpy_amounts_have_no_decimals():
    values = to_form(default_config(), "JPY").values
    assert values["tiers.1.min_spend_amount"] == "100000"  # ¥100,000: the minor unit is the yen
    config, _ = read_form(values | {"tiers.1.min_spend_amount": "120000"}, "JPY", "en")
    assert config.tiers[1].min_spend_amount == 120_000
    _, errors = read_form(values | {"tiers.1.min_spend_amount": "1200.5"}, "JPY", "en")
    assert errors["tiers.1.min_spend_amount"] == "Tier 2 · Spend to qualify: JPY amounts have no decimals"


def test_blank_rows_are_ignored_a_row_is_added_and_a_ticked_row_removed():
    values = to_form(default_config(), "CNY").values | {
        "tiers.4.name_zh": "黑卡会员", "tiers.4.name_en": "Black Card", "tiers.4.min_spend_amount": "20000",
        "tiers.4.min_orders": "20", "tiers.4.points_multiplier": "3×", "tiers.4.qualify_by": "either",
        "tiers.5.qualify_by": "either",  # a blank row still sends its select
        "offers.0.remove": "on", "ladder.1.remove": "on"}
    config, errors = read_form(values, "CNY", "zh")
    assert errors == {}
    assert [t.code for t in config.tiers] == ["member", "silver", "gold", "diamond", "black-card"]
    assert config.tiers[4].points_multiplier == 3000 and config.tiers[4].min_spend_amount == 2_000_000
    assert [o.code for o in config.offers] == ["gift3"]
    assert [s.min_orders for s in config.ladder] == [3, 10]


@pytest.mark.parametrize("changes, field, zh, en", [
    ({"tiers.1.min_spend_amount": "一千"}, "tiers.1.min_spend_amount",
     "等级 2 · 升级消费金额：“一千”不是数字", "Tier 2 · Spend to qualify: '一千' is not a number"),
    ({"tiers.2.min_spend_amount": "500"}, "tiers.2.min_spend_amount",
     "等级 3 · 升级消费金额：不能低于上一个等级（银卡会员）",
     "Tier 3 · Spend to qualify: cannot be lower than the tier before (Silver)"),
    ({"tiers.1.discount_percent": "95"}, "tiers.1.discount_percent",
     "等级 2 · 会员折扣：不能大于 90", "Tier 2 · Member discount: at most 90"),
    ({"tiers.0.min_orders": "1"}, "tiers.0.min_orders",
     "等级 1 · 升级订单数：第一个等级是入会等级，门槛必须为 0",
     "Tier 1 · Orders to qualify: the first tier is the entry tier: its threshold must be 0"),
    ({"tiers.1.name_en": ""}, "tiers.1.name_en", "等级 2 · 英文名称：必填", "Tier 2 · English name: required"),
    ({"tiers.1.code": "Silver Card"}, "tiers.1.code",
     "等级 2 · 代码：只能用小写字母、数字、_ 和 -", "Tier 2 · Code: only lowercase letters, digits, _ and -"),
    ({"earning.category_multipliers.0.key": "茶叶", "earning.category_multipliers.0.factor": "1,5"},
     "earning.category_multipliers.0.factor", "类目倍数 1 · 倍数：“1,5”不是数字",
     "Category multiplier 1 · Multiplier: '1,5' is not a number"),
    ({"earning.product_multipliers.0.key": "TEA-1", "earning.product_multipliers.0.factor": "150×"},
     "earning.product_multipliers.0.factor", "商品倍数 1 · 倍数：倍数最多 100×",
     "SKU multiplier 1 · Multiplier: a multiplier is at most 100×"),
    ({"earning.product_multipliers.0.factor": "2×"}, "earning.product_multipliers.0.key",
     "商品倍数 1 · SKU：必填", "SKU multiplier 1 · SKU: required"),
    ({"earning.promotions.0.name": "双11", "earning.promotions.0.start_on": "2026-11-11",
      "earning.promotions.0.end_on": "2026-11-01", "earning.promotions.0.multiplier": "2"},
     "earning.promotions.0.end_on", "积分活动 1 · 结束日期：早于开始日期",
     "Promotion 1 · Last day: before the first day"),
    ({"earning.unit_amount": "0"}, "earning.unit_amount", "每消费：不能小于 0.01", "For every: at least 0.01"),
    ({"expiry.months": "1.5"}, "expiry.months", "过期月数：“1.5”不是整数",
     "Months until expiry: '1.5' is not a whole number"),
    ({"ladder.1.min_orders": "3"}, "ladder.1.min_orders", "阶梯 2 · 从第几单起：须比上一阶梯的单数多",
     "Step 2 · From order number: must be more orders than the step before"),
    ({"offers.0.percent_off": ""}, "offers.0.percent_off", "优惠 1 · 折扣：这种优惠方式需要填写",
     "Offer 1 · Discount: needed for this kind of offer"),
    ({"offers.1.min_items": "0"}, "offers.1.min_items", "优惠 2 · 最少件数：送赠品至少需要 1 件",
     "Offer 2 · Minimum items: a gift needs at least 1 item"),
    ({"max_points_payment_percent": "120"}, "max_points_payment_percent", "积分最多抵订单的：不能大于 100",
     "Points pay at most: at most 100"),
    ({"adjust_limits.agent": "-5"}, "adjust_limits.agent", "手动调整额度 · 客服：不能是负数",
     "Manual adjustment limits · Service agent: cannot be negative"),
])
def test_an_error_names_its_field_in_both_languages(changes, field, zh, en):
    values = to_form(default_config(), "CNY").values | changes
    for locale, expected in (("zh", zh), ("en", en)):
        config, errors = read_form(values, "CNY", locale)
        assert config is None
        assert errors[field] == expected, errors


# --- the page ------------------------------------------------------------------------------------------------------

class _Fields(HTMLParser):
    """What a browser submits for one form: text inputs, checked boxes, each select's chosen option."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.values, self.select = form_id, False, {}, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.values[a["name"]] = a.get("value", "on")
            else:
                self.values[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self.select = a["name"]
            self.values.setdefault(self.select, None)
        elif tag == "option" and self.select:
            if self.values[self.select] is None or "selected" in a:
                self.values[self.select] = a["value"]

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        if tag == "select":
            self.select = None


def _form(page: str, form_id: str = "rules-form") -> dict[str, str]:
    parser = _Fields(form_id)
    parser.feed(page)
    assert parser.values, f"no #{form_id} on the page"
    return parser.values


@pytest.fixture
def program(session):
    shop, active = make_program(session, config=default_config())
    return shop, active


def _draft(session, active) -> ProgramVersion | None:
    session.expire_all()
    return session.query(ProgramVersion).filter_by(program_id=active.program.id, status="draft").one_or_none()


def test_saving_the_loaded_form_unchanged_stores_exactly_the_same_rules(login, program, session):
    _, active = program
    owner = login("owner")
    fields = _form(owner.get("/loyalty/program").text)
    assert fields["tiers.2.points_multiplier"] == "1.5×" and fields["tiers.1.min_spend_amount"] == "1000"
    saved = owner.client.post("/loyalty/program/rules", data=fields, follow_redirects=False)  # no JavaScript
    assert saved.status_code == 303 and saved.headers["location"] == "/loyalty/program"
    draft = _draft(session, active)
    assert ProgramConfig.model_validate(draft.config) == default_config()
    assert draft.config == default_config().model_dump(mode="json")
    entry = session.query(AuditLog).filter_by(action="loyalty.draft_save").order_by(AuditLog.id.desc()).first()
    assert entry.actor_user_id == owner.user.id and entry.changes == {"version": draft.version}


def test_the_form_changes_a_threshold_and_a_category_multiplier_with_htmx(login, program, session):
    _, active = program
    owner = login("owner")
    fields = _form(owner.get("/loyalty/program").text) | {
        "tiers.1.min_spend_amount": "1200", "earning.category_multipliers.0.key": "茶叶",
        "earning.category_multipliers.0.factor": "1.5×", "note": "银卡门槛 ¥1200"}
    response = owner.htmx_post("/loyalty/program/rules", fields)
    assert response.status_code == 200 and "<html" not in response.text  # only the draft part
    assert 'id="draft-saved"' in response.text and 'value="1.5×"' in response.text
    config = ProgramConfig.model_validate(_draft(session, active).config)
    assert config.tiers[1].min_spend_amount == 120_000 and config.earning.category_multipliers == {"茶叶": 1500}
    assert _draft(session, active).note == "银卡门槛 ¥1200"


@pytest.mark.parametrize("locale, message", [("zh", "等级 3 · 升级消费金额：“3千”不是数字"),
                                             ("en", "Tier 3 · Spend to qualify: '3千' is not a number")])
def test_errors_show_next_to_their_input_with_what_was_typed(login, program, session, locale, message):
    _, active = program
    owner = login("owner", locale=locale)
    fields = _form(owner.get("/loyalty/program").text) | {"tiers.2.min_spend_amount": "3千",
                                                           "tiers.3.name_en": "Black Diamond"}
    for response in (owner.client.post("/loyalty/program/rules", data=fields, follow_redirects=False),
                     owner.htmx_post("/loyalty/program/rules", fields)):
        assert response.status_code == 422
        page = html.unescape(response.text)
        near = page[page.index('id="f-tiers-2-min_spend_amount"'):][:400]
        assert 'value="3千"' in near and 'aria-invalid="true"' in near and message in near
        assert 'value="Black Diamond"' in page  # the rest of what was typed is kept too
    assert _draft(session, active) is None  # nothing stored
    assert "<html" not in response.text and response.headers["hx-retarget"] == "#draft"


def test_analysts_and_agents_cannot_save_but_analysts_can_backtest_the_form(login, program, session):
    _, active = program
    for role in ("analyst", "agent"):
        user = login(role)
        page = user.get("/loyalty/program").text
        assert 'id="rules-save"' not in page
        fields = _form(page)
        assert user.post("/loyalty/program/rules", fields).status_code == 403
        assert user.htmx_post("/loyalty/program/rules", fields).status_code == 403
    assert _draft(session, active) is None
    analyst = login("analyst", username="analyst2")
    fields = _form(analyst.get("/loyalty/program").text) | {"tiers.1.min_spend_amount": "2000"}
    before = session.query(PointsEntry).count()
    result = analyst.htmx_post("/loyalty/program/rules/backtest", fields)
    assert result.status_code == 200 and 'id="bt-matrix"' in result.text
    page = analyst.post("/loyalty/program/rules/backtest", fields)  # without JavaScript: the page with the result
    assert page.status_code == 200 and 'id="bt-matrix"' in page.text and 'value="2000"' in page.text
    assert session.query(PointsEntry).count() == before and _draft(session, active) is None


def test_backtesting_a_form_with_an_error_shows_the_error_in_the_form(login, program):
    owner = login("owner")
    fields = _form(owner.get("/loyalty/program").text) | {"earning.points_per_unit": "two"}
    response = owner.htmx_post("/loyalty/program/rules/backtest", fields)
    assert response.status_code == 422 and response.headers["hx-retarget"] == "#draft"
    assert "“two”不是整数" in html.unescape(response.text)


def test_the_json_editor_stays_as_the_advanced_view(login, program, session):
    _, active = program
    owner = login("owner")
    page = owner.get("/loyalty/program").text
    advanced = page[page.index('id="rules-advanced"') - 40:]
    assert advanced.startswith("<details") or "<details" in advanced[:60]
    assert " open" not in advanced[:advanced.index(">")] and 'id="config-text"' in advanced
    data = default_config().model_dump(mode="json")
    data["earning"]["points_per_unit"] = 2
    saved = owner.htmx_post("/loyalty/program/draft", {"config": json.dumps(data)})
    assert saved.status_code == 200 and 'id="rules-form"' in saved.text
    assert ProgramConfig.model_validate(_draft(session, active).config).earning.points_per_unit == 2
    assert _form(owner.get("/loyalty/program").text)["earning.points_per_unit"] == "2"  # the form shows the draft


def test_english_form_labels_and_jpy_shop(login, session):
    shop = make_shop(session, code="jp", name="Tokyo Store", currency="JPY", timezone="Asia/Tokyo")
    make_program(session, shop=shop, config=default_config())
    owner = login("owner", locale="en")
    page = html.unescape(owner.get("/loyalty/program").text)
    assert "Spend to qualify" in page and "Points multiplier" in page and "Member tiers" in page
    fields = _form(page)
    assert fields["tiers.1.min_spend_amount"] == "100000"  # 100000 yen, no decimals
    assert fields["tiers.1.points_multiplier"] == "1.2×"


def test_a_program_too_long_for_the_form_opens_the_json_editor(login, session):
    many = default_config().model_copy(update={"earning": Earning(
        product_multipliers={f"SKU-{n:04d}": 1500 for n in range(300)})})
    make_program(session, config=many)
    page = login("owner").get("/loyalty/program").text
    assert 'id="rules-form-unavailable"' in page and 'id="rules-form"' not in page
    assert '<details class="rules-advanced" id="rules-advanced" open>' in page


def test_codes_members_already_carry_are_read_only_in_the_form(login, program):
    page = login("owner").get("/loyalty/program").text
    silver = page[page.index('id="f-tiers-1-code"'):][:300]
    new_row = page[page.index('id="f-tiers-4-code"'):][:300]
    assert "readonly" in silver and "readonly" not in new_row

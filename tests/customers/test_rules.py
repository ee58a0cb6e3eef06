"""Phone numbers in E.164 and a shop's country (pure rules, no database)."""

import pytest

from shopcx.core.errors import InvalidInput
from shopcx.customers.rules import country_for, normalize_phone


@pytest.mark.parametrize("written", ["17310673542", "+86 173 1067 3542", "173-1067-3542", "+86-173-1067-3542",
                                     "0086 173 1067 3542", "8617310673542", "(173) 1067 3542"])
def test_a_mainland_mobile_is_one_number_however_written_and_whatever_the_region(written):
    assert normalize_phone(written) == "+8617310673542"
    assert normalize_phone(written, region="US") == "+8617310673542"


@pytest.mark.parametrize(("written", "region", "e164"), [
    ("05551952887", "TR", "+905551952887"),  # national trunk 0
    ("5447242117", "TR", "+905447242117"),
    ("+905050575216", "CN", "+905050575216"),  # a country code wins over the region
    ("(541) 555-0199", "US", "+15415550199"),
    ("020 7946 0000", "GB", "+442079460000"),
    ("021-6235 1234", "CN", "+862162351234"),  # a Shanghai landline
])
def test_local_numbers_belong_to_the_shops_country(written, region, e164):
    assert normalize_phone(written, region=region) == e164


def test_what_the_plan_does_not_know_keeps_its_digits_and_text_is_refused():
    assert normalize_phone("10086") == "10086"
    assert normalize_phone("  ") is None
    with pytest.raises(InvalidInput) as caught:
        normalize_phone("12ab34", "Billing Phone")
    assert caught.value.field == "Billing Phone"


def test_a_shops_country_from_its_currency_or_timezone():
    assert country_for("CNY", "Asia/Shanghai") == "CN"
    assert country_for("USD", "Asia/Shanghai") == "US"  # the currency is the better witness
    assert country_for("TRY", None) == "TR"
    assert country_for("EUR", "Europe/Berlin") == "DE"  # a shared currency: the timezone decides
    assert country_for("EUR", None) == "CN"

"""Pure helpers: money without floats, masking, signatures."""

from decimal import Decimal

import pytest

from shopcx.core import money, security
from shopcx.core.errors import InvalidInput


@pytest.mark.parametrize(("text", "currency", "minor"), [
    ("19.99", "CNY", 1999), ("1,299.00", "CNY", 129900), ("¥12.5", "CNY", 1250), ("0.005", "GBP", 0),
    ("0.015", "GBP", 2), ("-3.10", "GBP", -310), ("1500", "JPY", 1500), ("1.2345", "KWD", 1234)])
def test_to_minor_rounds_half_even_on_the_exact_decimal(text, currency, minor):
    assert money.to_minor(text, currency) == minor


def test_line_total_rounds_once_on_the_product():
    # 3 × 0.335 = 1.005 → 100 pence (half-even), not 3 × round(33.5) = 102.
    assert money.line_total_minor(3, Decimal("0.335"), "GBP") == 100
    assert money.line_total_minor(-6, Decimal("2.55"), "GBP") == -1530


def test_bad_numbers_name_the_field():
    with pytest.raises(InvalidInput) as err:
        money.to_minor("abc", "CNY", field="UnitPrice")
    assert err.value.field == "UnitPrice" and "abc" in err.value.message
    with pytest.raises(InvalidInput):
        money.check_currency("RMB1")


def test_format_minor():
    assert money.format_minor(123456, "CNY") == "¥1,234.56"
    assert money.format_minor(-310, "GBP") == "-£3.10"


def test_masking():
    assert security.mask_phone("13800138000") == "138****8000"
    assert security.mask_email("zhang.san@example.com") == "z***@example.com"


def test_signature_accepts_hex_and_base64_and_refuses_others():
    body = b'{"id": 1}'
    hex_sig = security.hmac_sha256_hex("s3cret", body)
    assert security.signature_matches("s3cret", body, f"sha256={hex_sig}")
    import base64
    import hashlib
    import hmac

    b64 = base64.b64encode(hmac.new(b"s3cret", body, hashlib.sha256).digest()).decode()
    assert security.signature_matches("s3cret", body, b64)
    assert not security.signature_matches("s3cret", body + b" ", f"sha256={hex_sig}")
    assert not security.signature_matches("s3cret", body, None)

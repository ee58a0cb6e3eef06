"""Signed buyer links (core/tokens.py), checked against tokens worked out here by hand with hmac and base64: the
layouts, one purpose never passing for another, every alteration refused, expiry to the second, and nothing but
TokenInvalid coming out of garbage."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from shopcx.core import clock, tokens
from shopcx.core.errors import NotFound, ShopCXError
from shopcx.core.settings import get_settings

KEY = "unit-test-key"
PURPOSE = b"shopcx.test-link.v1:"
OTHER = b"shopcx.other-link.v1:"
NOW = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)
UNTIL = NOW + timedelta(days=30)  # 2026-07-15 04:00 UTC
UNTIL_TEXT = "1784088000"  # 1767225600 (2026-01-01) + 195 days × 86400 + 4 h × 3600


@pytest.fixture(autouse=True)
def site_key(monkeypatch):
    monkeypatch.setattr(get_settings(), "secret_key", KEY)
    with clock.frozen_at(NOW):
        yield


def _hex(purpose: bytes, text: str) -> str:
    return hmac.new(KEY.encode(), purpose + text.encode(), hashlib.sha256).hexdigest()


def _by_hand(purpose: bytes, raw: str) -> str:
    payload = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    return f"{payload}.{_hex(purpose, payload)}"


def test_the_layout_is_base64_payload_and_hex_hmac_over_purpose_and_payload():
    assert int(UNTIL.timestamp()) == int(UNTIL_TEXT)
    token = tokens.sign_token(PURPOSE, 42, expires=UNTIL)
    assert token == _by_hand(PURPOSE, f"42.{UNTIL_TEXT}")
    assert token.startswith("NDIuMTc4NDA4ODAwMA.")  # base64url of "42.1784088000", padding dropped
    assert tokens.read_token(PURPOSE, token, fields=1) == (("42",), UNTIL)
    assert tokens.read_id(PURPOSE, token) == (42, UNTIL)


def test_clear_layout_and_a_last_field_with_dots_without_expiry():
    clear = tokens.sign_token(PURPOSE, 7, expires=UNTIL, clear=True)
    assert clear == f"7.{UNTIL_TEXT}.{_hex(PURPOSE, '7.' + UNTIL_TEXT)}"
    assert tokens.read_id(PURPOSE, clear, clear=True) == (7, UNTIL)
    url = "https://shop.example.com/a.b?x=1"
    token = tokens.sign_token(PURPOSE, "c", 5, url, expires=None)
    assert token == _by_hand(PURPOSE, f"c.5.{url}")
    assert tokens.read_token(PURPOSE, token, fields=3, expiring=False, max_len=4000) == (("c", "5", url), None)


def test_a_token_of_one_purpose_never_passes_for_another():
    token = tokens.sign_token(PURPOSE, 42, expires=UNTIL)
    with pytest.raises(tokens.TokenInvalid):
        tokens.read_token(OTHER, token, fields=1)
    assert not tokens.form_token_matches(OTHER, token, tokens.form_token(PURPOSE, token))
    with pytest.raises(ValueError):  # a purpose that could be the start of another is a programming error
        tokens.sign_token(b"shopcx.test", 1, expires=UNTIL)


@pytest.mark.parametrize("alter", [
    lambda t: _by_hand(PURPOSE, f"43.{UNTIL_TEXT}").split(".")[0] + t[t.index("."):],  # payload swapped
    lambda t: _by_hand(PURPOSE, "42.9999999999").split(".")[0] + t[t.index("."):],  # expiry pushed back
    lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),  # signature altered
    lambda t: t[:-2],  # signature cut short
    lambda t: t.upper(),
    lambda t: t + "." + t,
    lambda t: t.replace(".", "..", 1),
])
def test_altered_tokens_are_refused(alter):
    with pytest.raises(tokens.TokenInvalid) as refused:
        tokens.read_token(PURPOSE, alter(tokens.sign_token(PURPOSE, 42, expires=UNTIL)), fields=1)
    assert refused.value.code == "link_invalid" and refused.value.status == 404


def test_a_token_expires_at_its_exact_second():
    token = tokens.sign_token(PURPOSE, 42, expires=UNTIL)
    with clock.frozen_at(UNTIL - timedelta(seconds=1)):
        assert tokens.read_id(PURPOSE, token) == (42, UNTIL)
    with clock.frozen_at(UNTIL), pytest.raises(tokens.TokenExpired) as late:
        tokens.read_id(PURPOSE, token)
    assert late.value.code == "link_expired"
    gone = NotFound("x_gone", "gone")
    with clock.frozen_at(UNTIL), pytest.raises(NotFound) as own:
        tokens.read_id(PURPOSE, token, invalid=NotFound("x_bad", "bad"), expired=gone)
    assert own.value is gone


@pytest.mark.parametrize("garbage", [
    None, "", ".", "..", "a.b", "x" * 201, _by_hand(PURPOSE, "42.1") + "x" * 200, "名字." + "0" * 64,
    "NDI." + "0" * 64, "NDIuMTc4NDA4ODAwMA=." + "0" * 64, "A." + "0" * 64, 42, b"bytes",
])
def test_garbage_gives_only_the_invalid_error(garbage):
    with pytest.raises(tokens.TokenInvalid):
        tokens.read_token(PURPOSE, garbage, fields=1)
    with pytest.raises(tokens.TokenInvalid):
        tokens.read_id(PURPOSE, garbage, clear=True)


@pytest.mark.parametrize("raw", [
    b"42", b"42.", b".1784088000", b"42.1.1784088000", b"x.1784088000", b"42.17840880OO", b"42.99999999999999",
    b"42.-1", b"\xff\xfe.1784088000",
])
def test_signed_but_malformed_payloads_are_invalid_not_a_crash(raw):
    payload = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    with pytest.raises(tokens.TokenInvalid):
        tokens.read_id(PURPOSE, f"{payload}.{_hex(PURPOSE, payload)}")
    if raw.isascii():
        with pytest.raises(tokens.TokenInvalid):
            tokens.read_id(PURPOSE, f"{raw.decode()}.{_hex(PURPOSE, raw.decode())}", clear=True)


def test_a_signed_payload_that_is_not_base64_is_invalid():
    with pytest.raises(tokens.TokenInvalid):  # one base64 character cannot be decoded: binascii.Error inside
        tokens.read_token(PURPOSE, f"A.{_hex(PURPOSE, 'A')}", fields=1)


def test_the_errors_are_business_errors():
    assert issubclass(tokens.TokenInvalid, tokens.TokenError) and issubclass(tokens.TokenExpired, tokens.TokenError)
    assert issubclass(tokens.TokenError, NotFound) and issubclass(tokens.TokenError, ShopCXError)


def test_form_token_is_derived_from_the_link():
    token = tokens.sign_token(PURPOSE, 42, expires=UNTIL)
    form = tokens.form_token(b"shopcx.test-form.v1:", token)
    assert form == _hex(b"shopcx.test-form.v1:", token)
    assert tokens.form_token_matches(b"shopcx.test-form.v1:", token, form)
    for wrong in [None, "", form[:-1], form.upper(), "sha256=" + form, "０" * 64, form + "0",
                  tokens.form_token(b"shopcx.test-form.v1:", tokens.sign_token(PURPOSE, 43, expires=UNTIL))]:
        assert not tokens.form_token_matches(b"shopcx.test-form.v1:", token, wrong)


def test_a_short_mac_tag():
    tag = tokens.mac(b"shopcx.test-mail.v1:", "12")[:10]
    assert tag == _hex(b"shopcx.test-mail.v1:", "12")[:10]
    assert tokens.mac_matches(b"shopcx.test-mail.v1:", "12", tag, length=10)
    assert not tokens.mac_matches(b"shopcx.test-mail.v1:", "13", tag, length=10)
    assert not tokens.mac_matches(b"shopcx.test-mail.v1:", "12", tag[:8], length=10)


def test_signing_refuses_fields_the_layout_cannot_carry():
    with pytest.raises(ValueError):
        tokens.sign_token(PURPOSE, "a.b", 1, expires=None)
    with pytest.raises(ValueError):
        tokens.sign_token(PURPOSE, "a-b", expires=UNTIL, clear=True)


def test_random_input_raises_nothing_but_the_invalid_error():
    import random

    rng = random.Random(7)
    alphabet = "Aa0_-.=/+ 名\x00" + "f" * 5
    signed = tokens.sign_token(PURPOSE, 42, expires=UNTIL)
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 90)))
        if rng.random() < 0.3:
            text = signed[:rng.randint(0, len(signed))] + text
        for clear in (False, True):
            try:
                tokens.read_id(PURPOSE, text, clear=clear)
            except tokens.TokenInvalid:
                pass

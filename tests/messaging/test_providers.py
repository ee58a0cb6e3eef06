"""HTTP providers (SMS here) against a local server: a signed POST; 500 and a timeout retry later, 4xx fails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopcx.core import clock
from shopcx.core.security import signature_matches
from shopcx.messaging import service
from shopcx.messaging.models import Message
from shopcx.messaging.sender import send_due

NOON = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _noon():
    with clock.frozen_at(NOON):
        yield


def sms(session, shop, buyer):
    return service.queue_message(session, shop_id=shop.id, customer_id=buyer.id, purpose="survey", occasion="w1",
                                 channel="sms", body="您好，请为本次购物打分")


def row(session, queued) -> Message:
    session.expire_all()
    return session.get(Message, queued.message.id)


def test_a_signed_post_reaches_the_provider(session, shop, make_buyer, http_provider):
    queued = sms(session, shop, make_buyer(1, phone="+8613800138001"))
    assert send_due().sent == 1
    [(headers, body)] = http_provider.bodies
    assert body["to"] == "+8613800138001" and body["channel"] == "sms" and body["message_id"] == queued.message.id
    assert signature_matches("provider-secret", body["_raw"].encode(), headers["x-shopcx-signature"])
    assert headers["idempotency-key"] == f"shopcx-message-{queued.message.id}"
    assert row(session, queued).provider == "sms"


def test_a_500_then_a_timeout_retry_with_backoff_then_it_goes(session, shop, make_buyer, http_provider):
    queued = sms(session, shop, make_buyer(2, phone="+8613800138002"))
    http_provider.codes = [500]
    assert send_due().retried == 1
    first = row(session, queued)
    assert (first.status, first.attempts) == ("queued", 1)
    assert first.reason.startswith("sms: HTTP 500") and first.next_attempt_at == NOON + timedelta(minutes=1)
    http_provider.delay = 1.0  # longer than the 0.5 s timeout
    with clock.frozen_at(NOON + timedelta(minutes=1)):
        assert send_due().retried == 1
    second = row(session, queued)
    assert "no answer within 0.5 s" in second.reason and second.next_attempt_at == NOON + timedelta(minutes=6)
    http_provider.delay = 0.0
    with clock.frozen_at(NOON + timedelta(minutes=6)):
        assert send_due().sent == 1
    assert row(session, queued).attempts == 3
    assert len([b for _, b in http_provider.bodies if b["message_id"] == queued.message.id]) == 1


def test_a_4xx_fails_with_the_reason(session, shop, make_buyer, http_provider):
    queued = sms(session, shop, make_buyer(3, phone="+8613800138003"))
    http_provider.codes = [400]
    report = send_due()
    assert report.failed == 1
    failed = row(session, queued)
    assert failed.status == "failed" and "HTTP 400" in failed.reason and "number not valid" in failed.reason

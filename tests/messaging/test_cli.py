"""`shopcx messages send` drains the queue to a real SMTP server with its summary; `messages test --to` sends one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from shopcx.cli import app
from shopcx.core import clock
from shopcx.messaging import service

runner = CliRunner()


@pytest.fixture(autouse=True)
def _noon():
    with clock.frozen_at(datetime(2026, 12, 6, 4, 0, tzinfo=UTC)):  # 12:00 in Shanghai: not quiet hours
        yield


def test_send_drains_the_queue_and_says_what_happened(session, shop, make_buyer, configured, smtp_server):
    buyers = [make_buyer(n) for n in range(3)]
    for b in buyers:
        service.queue_message(session, shop_id=shop.id, customer_id=b.id, purpose="survey", occasion="w",
                              channel="email", body="您好")
    service.queue_message(session, shop_id=shop.id, customer_id=make_buyer(9, consent=False).id, purpose="survey",
                          occasion="w", channel="email", body="您好")
    done = runner.invoke(app, ["messages", "send", "--batch", "2"])
    assert done.exit_code == 0, done.output
    assert "3 sent" in done.output and "0 failed" in done.output
    assert sorted(rcpt for rcpt, _ in smtp_server.inbox.received) == sorted(b.email for b in buyers)


def test_test_send_to_an_address(session, configured, smtp_server):
    done = runner.invoke(app, ["messages", "test", "--to", "owner@example.com"])
    assert done.exit_code == 0, done.output
    assert "sent via smtp" in done.output and len(smtp_server.inbox.to("owner@example.com")) == 1
    smtp_server.inbox.refuse.add("nobody@example.com")
    refused = runner.invoke(app, ["messages", "test", "--to", "nobody@example.com"])
    assert refused.exit_code == 1 and "550" in refused.output


def test_send_names_skip_reasons_in_words(session, shop, make_buyer, configured, smtp_server):
    from shopcx.customers import service as customers

    buyer = make_buyer(4)
    service.queue_message(session, shop_id=shop.id, customer_id=buyer.id, purpose="survey", occasion="w",
                          channel="email", body="您好")
    customers.set_consent(session, buyer, "email", False, source="buyer")  # withdrawn after queueing
    done = runner.invoke(app, ["messages", "send"])
    assert done.exit_code == 0, done.output
    assert "1 skipped" in done.output and "no_consent: 1 (No consent for this channel)" in done.output

"""The proactive apology for a late or stalled parcel: one message per shipment with its tracking link, in the
buyer's language, on the first channel that reaches them, through messaging (consent, quiet hours, caps), never
twice however often the hourly job runs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from shopcx.care.service import parcels
from shopcx.core import clock
from shopcx.messaging import service as messaging
from shopcx.messaging.models import Message
from shopcx.messaging.sender import send_due
from shopcx.orders.models import Shipment
from shopcx.staff.service import SYSTEM

from ..factories import make_order
from ..loyalty.factories import make_program
from .factories import buyer

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def _parcel(session, shop, n: int, *, shipped_hours: int, promised_hours: int, status: str = "paid", **customer):
    order = make_order(session, shop, customer=buyer(n, **customer), status=status,
                       placed_at=NOW - timedelta(hours=shipped_hours + 24))
    shipment = Shipment(order_id=order.id, shipped_at=NOW - timedelta(hours=shipped_hours),
                        promised_at=NOW + timedelta(hours=promised_hours))
    session.add(shipment)
    session.flush()
    return order, shipment


def test_one_apology_per_late_or_stalled_parcel_with_its_tracking_link(session):
    shop, _ = make_program(session)
    late, late_ship = _parcel(session, shop, 1, shipped_hours=70, promised_hours=-2)
    stalled, stalled_ship = _parcel(session, shop, 2, shipped_hours=60, promised_hours=30,
                                    preferences={"language": "en"})
    _parcel(session, shop, 3, shipped_hours=5, promised_hours=48)  # on its way, on time: nothing
    texter, texter_ship = _parcel(session, shop, 4, shipped_hours=70, promised_hours=-5, phone="13800138004",
                                  consents={"email": False, "sms": True})
    silent, silent_ship = _parcel(session, shop, 5, shipped_hours=70, promised_hours=-5, consents={"email": False})
    with clock.frozen_at(NOW):
        assert parcels.apologise_for_late(session, shop) == 4
        assert parcels.apologise_for_late(session, shop) == 0  # the hourly job again: nothing twice
    rows = {m.ref_id: m for m in session.query(Message).filter_by(purpose="care_parcel")}
    assert set(rows) == {late_ship.id, stalled_ship.id, texter_ship.id, silent_ship.id}

    first = rows[late_ship.id]
    assert (first.channel, first.locale, first.status) == ("email", "zh", "queued")
    assert "非常抱歉" in first.subject and "顾客1" in first.body and late.external_id in first.body
    assert "2026-12-06 08:00" in first.body  # the promise (00:00 UTC) in the shop's time
    token = re.search(r"/track/([^?\s]+)\?lang=zh", first.body).group(1)
    assert parcels.verify_token(token) == late.id
    english = rows[stalled_ship.id]
    assert english.locale == "en" and "no carrier update" in english.body and "抱歉" not in english.body
    assert rows[texter_ship.id].channel == "sms"  # no e-mail consent: the first channel that reaches them
    assert (rows[silent_ship.id].status, rows[silent_ship.id].reason) == ("skipped", "no_consent")


def test_the_apology_waits_out_quiet_hours_like_every_message(session):
    shop, _ = make_program(session)
    _, shipment = _parcel(session, shop, 6, shipped_hours=70, promised_hours=-2)
    quiet = datetime(2026, 12, 6, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
    with clock.frozen_at(quiet):
        parcels.apologise_for_late(session, shop)
        send_due()
    message = session.query(Message).filter_by(purpose="care_parcel", ref_id=shipment.id).one()
    session.refresh(message)
    assert (message.status, message.reason) == ("queued", "quiet_hours")
    assert message.next_attempt_at == datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 09:00 the next morning
    messaging.update_settings(session, shop.id, {"quiet_start": "00:00", "quiet_end": "00:00"}, actor=SYSTEM)
    with clock.frozen_at(datetime(2026, 12, 7, 1, 1, tzinfo=UTC)):
        send_due()
    session.refresh(message)
    assert message.status == "sent"


def test_no_apology_for_old_history_or_orders_no_longer_under_way(session):
    """A year of imported history holds shipments never marked delivered: only a recent parcel of an order still
    under way is apologised for."""
    shop, _ = make_program(session)
    _parcel(session, shop, 7, shipped_hours=24 * 300, promised_hours=-24 * 297)  # shipped ten months ago
    _parcel(session, shop, 8, shipped_hours=24 * (parcels.APOLOGY_WINDOW_DAYS + 1), promised_hours=-24 * 28)
    for n, status in enumerate(("cancelled", "refunded", "completed", "delivered"), start=9):
        _parcel(session, shop, n, shipped_hours=70, promised_hours=-2, status=status)
    _, recent = _parcel(session, shop, 13, shipped_hours=70, promised_hours=-2, status="shipped")
    with clock.frozen_at(NOW):
        assert parcels.apologise_for_late(session, shop) == 1
    rows = session.query(Message).filter_by(purpose="care_parcel").all()
    assert [m.ref_id for m in rows] == [recent.id]

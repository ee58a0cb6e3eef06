# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""Which CSAT answer rates a ticket (both backends): the answer to the invitation its closing sent
(survey_invitation.ticket_id), on the ticket page and in the reports' per-agent CSAT; the old inference (same
buyer and order, answered after the close) only for invitations made before invitations named their ticket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopcx.desk import service as desk
from shopcx.desk.channels.tables import TicketRating
from shopcx.desk.reports import service as reports
from shopcx.staff.service import SYSTEM, Actor
from shopcx.surveys import service as surveys

from ..factories import make_order, make_shop
from ..web.conftest import client, login, make_user  # noqa: F401
from .factories import csat_answer

AT = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)
MANAGER = Actor(label="经理", role="manager")


@pytest.fixture
def shop(session):
    shop = make_shop(session, code="cs", name="满意店")
    for n in range(3):
        make_order(session, shop, external_id=f"CS{n}", customer={"source": "taobao", "external_id": "csb",
                                                                   "name": "丁"})
    session.flush()
    return shop


@pytest.fixture
def survey(session, shop):
    found = surveys.create_from_preset(session, shop.id, "csat_delivery", actor=SYSTEM)
    surveys.publish(session, found, actor=SYSTEM)
    return found


def closed(session, shop, order, *, owner_id=None, at=AT):
    ticket = desk.create_ticket(session, shop, channel="phone", subject="投诉", body="杯子漏水", order=order,
                                assign=False, actor=MANAGER, now=at - timedelta(hours=5))
    if owner_id is not None:
        desk.assign(session, ticket, owner_id, actor=MANAGER, now=at - timedelta(hours=5))
    desk.transition(session, ticket, "resolved", root_cause="密封圈", actor=MANAGER, now=at - timedelta(hours=1))
    desk.transition(session, ticket, "closed", actor=MANAGER, now=at)
    return ticket


def answer(session, survey, ticket, score, hours, **options):
    csat_answer(session, survey, customer_id=ticket.customer_id, order_id=ticket.order_id, score=score,
                at=AT + timedelta(hours=hours), **options)


def test_the_ticket_page_shows_the_answer_to_the_invitation_its_closing_sent(session, shop, survey, login):
    ticket = closed(session, shop, "CS0")
    answer(session, survey, ticket, 5, 1)  # the survey after delivery, answered after the close: not about it
    answer(session, survey, ticket, 1, 2, invited=False)  # the public link: not about it either
    answer(session, survey, ticket, 2, 3, ticket_id=ticket.id)
    page = login("owner").get(f"/desk/tickets/{ticket.id}")
    assert 'data-csat="2"' in page.text


def test_an_invitation_from_before_the_link_is_still_inferred(session, shop, survey, login):
    ticket = closed(session, shop, "CS1")
    answer(session, survey, ticket, 1, -2, known=False)  # before the close
    answer(session, survey, ticket, 4, 1, invited=False)  # the public link is never inferred
    answer(session, survey, ticket, 3, 2, known=False)
    other = closed(session, shop, "CS2")
    answer(session, survey, other, 5, 3)  # a new invitation about no ticket: never inferred
    owner = login("owner")
    assert 'data-csat="3"' in owner.get(f"/desk/tickets/{ticket.id}").text
    page = owner.get(f"/desk/tickets/{other.id}")
    assert "data-csat" not in page.text and 'id="ticket-rating"' in page.text


def test_the_agents_csat_in_the_reports_counts_the_linked_answers(session, shop, survey, login):
    agent = login("agent").user
    a, b, c = (closed(session, shop, f"CS{n}", owner_id=agent.id) for n in range(3))
    answer(session, survey, a, 4, 1, ticket_id=a.id)
    answer(session, survey, b, 2, 1, ticket_id=b.id)
    answer(session, survey, c, 1, 1, ticket_id=c.id)
    session.add(TicketRating(ticket_id=c.id, score=5, rated_at=AT))  # the status page's rating comes first
    answer(session, survey, a, 1, 2)  # a later answer to a survey after delivery rates no ticket
    session.flush()
    (fig,) = reports.report(session, shop, days=30, now=AT + timedelta(days=1)).agents
    # ratings 4, 2 and 5: two of three are 4–5
    assert (fig.tickets, fig.rated, round(fig.csat, 4)) == (3, 3, 0.6667)

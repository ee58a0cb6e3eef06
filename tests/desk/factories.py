"""Builders for desk tests."""

from __future__ import annotations

from shopcx.staff import service as staff


def person(session, role: str, name: str):
    """A staff member with a role, as the Actor the services take."""
    user = staff.create_user(session, username=name, password="pw-123456789", role=role, display_name=name)
    session.flush()
    return staff.actor_for_user(user)


def csat_answer(session, survey, *, customer_id: int, order_id: int | None, score: int, at, ticket_id=None,
                known: bool = True, invited: bool = True):
    """A CSAT answer (1–5) the buyer submitted at `at`: through an invitation that names the ticket its closing
    sent it for (or none: a survey after delivery, a wave); `known=False`: an invitation made before invitations
    named their ticket; `invited=False`: through the public link."""
    import secrets
    from datetime import timedelta

    from shopcx.surveys import service as surveys
    from shopcx.surveys.tables import Answer, Invitation, Response

    version = surveys.published(session, survey)
    invitation = None
    if invited:
        invitation = Invitation(shop_id=survey.shop_id, survey_id=survey.id, version_id=version.id,
                                customer_id=customer_id, order_id=order_id, ticket_id=ticket_id, ticket_known=known,
                                channel="link", token_hash=secrets.token_hex(32), wave="w",
                                expires_at=at + timedelta(days=30), created_at=at - timedelta(hours=1),
                                answered_at=at)
        session.add(invitation)
        session.flush()
    response = Response(shop_id=survey.shop_id, survey_id=survey.id, version_id=version.id,
                        invitation_id=invitation.id if invitation else None, customer_id=customer_id,
                        order_id=order_id, wave="w", locale="zh", partial=False, anonymous=False,
                        source="link" if invited else "public", started_at=at, updated_at=at, submitted_at=at)
    session.add(response)
    session.flush()
    session.add(Answer(response_id=response.id, question="csat", value=score, score=float(score)))
    session.flush()
    return response

"""Builders for desk tests."""

from __future__ import annotations

from shopcx.staff import service as staff


def person(session, role: str, name: str):
    """A staff member with a role, as the Actor the services take."""
    user = staff.create_user(session, username=name, password="pw-123456789", role=role, display_name=name)
    session.flush()
    return staff.actor_for_user(user)

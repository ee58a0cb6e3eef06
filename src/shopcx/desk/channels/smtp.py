"""A local inbound SMTP endpoint for the desk (aiosmtpd): every DATA is filed by `mail.receive_mail` in its own
committed unit of work, and the SMTP answer says what became of it. Run it with `shopcx desk mail-in`."""

from __future__ import annotations

import asyncio

from ...core import db
from ...core.errors import ShopCXError
from . import mail

MAX_MESSAGE = 64 * 1024 * 1024  # over this the server itself answers 552 (too large) before anything is read


class DeskMailHandler:
    """aiosmtpd handler: accepts any recipient, files each message, answers 250 with the ticket number."""

    def __init__(self, default_shop: str | None = None):
        self.default_shop = default_shop

    def file(self, raw: bytes, recipients: list[str]) -> mail.MailOutcome:
        with db.session_scope(write=True) as session:
            shop = mail.shop_for(session, recipients, self.default_shop)
            return mail.receive_mail(session, shop, raw)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        raw = envelope.original_content or envelope.content or b""
        try:
            done = await asyncio.to_thread(self.file, raw, list(envelope.rcpt_tos))
        except ShopCXError as exc:
            return f"550 {exc.message}"
        except Exception:  # noqa: BLE001 - the database was away: the sender keeps the mail and retries
            return "451 temporary failure filing the message; try again later"
        if done.outcome == "refused":
            return f"250 kept but not filed: {'; '.join(done.problems)[:300]}"
        problems = f" ({len(done.problems)} problem(s) noted on the ticket)" if done.problems else ""
        return f"250 OK {done.outcome} #{done.ticket_id}{problems}"


def controller(host: str, port: int, default_shop: str | None):
    """An aiosmtpd Controller serving the desk (start() / stop() it)."""
    from aiosmtpd.controller import Controller

    return Controller(DeskMailHandler(default_shop), hostname=host, port=port, data_size_limit=MAX_MESSAGE)

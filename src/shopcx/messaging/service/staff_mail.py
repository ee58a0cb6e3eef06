"""Mail to staff (the weekly report): a message built by the caller, with pictures and attachments, sent through
the same SMTP server and settings as the buyers' e-mail; with no server configured it is kept in the sandbox."""

from __future__ import annotations

from collections import deque
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid, parseaddr

from ..channels.base import Outcome
from ..channels.smtp import SmtpProvider
from ..config import get_messaging_settings

# The sandbox's staff mails in this process (the demo and tests read them); the caller keeps its own record.
STAFF_SANDBOX: deque[tuple[str, EmailMessage]] = deque(maxlen=200)


def send_staff_mails(mails: list[tuple[str, EmailMessage]]) -> list[Outcome]:
    """Send each (address, message) over one SMTP connection; the outcome per mail ('sandbox' when no server)."""
    settings = get_messaging_settings()
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or "localhost"
    for address, message in mails:
        message["From"], message["To"] = settings.smtp_from, address
        message["Date"], message["Message-ID"] = formatdate(localtime=False), make_msgid("shopcx", domain=domain)
    if not settings.smtp_host:
        STAFF_SANDBOX.extend(mails)
        return [Outcome("sandbox") for _ in mails]
    provider = SmtpProvider(settings)
    try:
        provider.open()
    except OSError as exc:
        return [Outcome("retry", f"connection: {type(exc).__name__}: {exc}"[:300]) for _ in mails]
    try:
        return [provider.send_bytes(address, message.as_bytes(policy=SMTP)) for address, message in mails]
    finally:
        provider.close()

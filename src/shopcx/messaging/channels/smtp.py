"""E-mail through an SMTP server: one connection reused across a batch, reconnected once when it drops.

Answers map to outcomes by their code: 2xx sent; 4xx (and a connection lost) retry later; a 5xx to the recipient
bounced (the address is suppressed); any other 5xx failed. Headers: List-Unsubscribe with the signed page and
List-Unsubscribe-Post (RFC 8058 one-click), a Message-ID and X-ShopCX-Message with the record id.
"""

from __future__ import annotations

import base64
import smtplib
import ssl
import uuid
from email.utils import formatdate, parseaddr

from ..config import MessagingSettings
from .base import Outcome, Outgoing

_CONNECTION_ERRORS = (smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError, OSError)


def _encoded(text: str) -> str:
    """A header value: ASCII as it is, anything else as RFC 2047 base64 words of at most 45 bytes each (so every
    folded line stays under 78 characters), never splitting a character."""
    if text.isascii() and "\n" not in text and "\r" not in text:
        return text
    words, chunk = [], b""
    for ch in text.replace("\r", " ").replace("\n", " "):
        piece = ch.encode()
        if len(chunk) + len(piece) > 45:
            words.append(chunk)
            chunk = b""
        chunk += piece
    words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w).decode()}?=" for w in words)


def _address(full: str) -> str:
    name, address = parseaddr(full)
    return f"{_encoded(name)} <{address}>" if name else address


def _part(text: str, subtype: str) -> str:
    body = base64.encodebytes(text.encode()).decode().replace("\n", "\r\n")
    return (f"Content-Type: text/{subtype}; charset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            f"{body}")


def build_email(message: Outgoing, sender: str) -> bytes:
    """The message as the bytes an SMTP server receives: CRLF line ends (smtplib sends bytes as they are), headers
    encoded by hand (the email package's header objects cost more than the sending itself), bodies in base64.
    List-Unsubscribe stays one plain <url> line: a folded or encoded URL is not read by mail clients."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    lines = [f"From: {_address(sender)}", f"To: {message.address}", f"Subject: {_encoded(message.subject)}",
             f"Date: {formatdate(localtime=False)}",
             f"Message-ID: <shopcx.{message.id}.{uuid.uuid4().hex[:16]}@{domain}>",
             f"X-ShopCX-Message: {message.id}", "MIME-Version: 1.0"]
    if message.unsubscribe_url:
        lines += [f"List-Unsubscribe: <{message.unsubscribe_url}>", "List-Unsubscribe-Post: List-Unsubscribe=One-Click"]
    lines += [f"{name}: {_encoded(value)}" for name, value in message.headers.items()]
    head = "\r\n".join(lines) + "\r\n"
    if not message.html:
        return (head + _part(message.body, "plain")).encode()
    boundary = f"=_shopcx_{uuid.uuid4().hex}"
    return (head + f"Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n"
            f"--{boundary}\r\n{_part(message.body, 'plain')}--{boundary}\r\n{_part(message.html, 'html')}"
            f"--{boundary}--\r\n").encode()


class SmtpProvider:
    """SMTP with the SHOPCX_SMTP_* settings."""

    name = "smtp"

    def __init__(self, settings: MessagingSettings):
        self.settings = settings
        self.sender = settings.smtp_from
        self.envelope_from = parseaddr(settings.smtp_from)[1] or "noreply@localhost"
        self._smtp: smtplib.SMTP | None = None

    def open(self) -> None:
        s = self.settings
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
        try:
            smtp.ehlo()
            if s.smtp_starttls and smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except _CONNECTION_ERRORS + (smtplib.SMTPException,):
                self._smtp.close()
            self._smtp = None

    def _hand_over(self, address: str, data: bytes) -> Outcome:
        if self._smtp is None:
            self.open()
        try:
            refused = self._smtp.sendmail(self.envelope_from, [address], data)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            return _by_code(code, text, recipient=True)
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            return _by_code(exc.smtp_code, exc.smtp_error, recipient=False)
        except smtplib.SMTPResponseException as exc:
            return _by_code(exc.smtp_code, exc.smtp_error, recipient=False)
        if refused:  # only one recipient: a partial refusal cannot happen, but read it as the server meant it
            code, text = next(iter(refused.values()))
            return _by_code(code, text, recipient=True)
        return Outcome("sent")

    def send(self, message: Outgoing) -> Outcome:
        return self.send_bytes(message.address, build_email(message, self.sender))

    def send_bytes(self, address: str, data: bytes) -> Outcome:
        """Hand over a message already built (a staff report with pictures and attachments) to one address."""
        try:
            return self._hand_over(address, data)
        except _CONNECTION_ERRORS:
            self._drop()
        try:  # one reconnect: a server that closed an idle connection is common
            return self._hand_over(address, data)
        except _CONNECTION_ERRORS as exc:
            self._drop()
            return Outcome("retry", f"connection: {type(exc).__name__}: {exc}"[:300])

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None


def _by_code(code: int, text: bytes | str, *, recipient: bool) -> Outcome:
    words = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    reason = f"{code} {words}"[:300]
    if 400 <= code < 500:
        return Outcome("retry", reason)
    return Outcome("bounced" if recipient else "failed", reason)

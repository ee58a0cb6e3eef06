"""A provider reached by a signed HTTP POST (an SMS gateway, a WeChat template-message relay, any webhook).

The body is JSON {message_id, channel, to, subject, body}; the header X-ShopCX-Signature is
`sha256=<hex HMAC-SHA256 of the body with the provider's secret>` and X-ShopCX-Timestamp the Unix time, so the
receiver can check both; Idempotency-Key names the message, the same on every retry. A 2xx answer is sent; a 5xx,
a timeout or a refused connection retry later with backoff; a 4xx failed, with the status and the start of the
answer as the reason.
"""

from __future__ import annotations

import json
import time

import httpx

from ...core.security import hmac_sha256_hex
from .base import Outcome, Outgoing


class HttpProvider:
    """One endpoint and secret; one HTTP client (kept-alive connection) per batch."""

    def __init__(self, name: str, url: str, secret: str, timeout: float):
        self.name = name
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self._client: httpx.Client | None = None

    def open(self) -> None:
        self._client = httpx.Client(timeout=self.timeout)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def send(self, message: Outgoing) -> Outcome:
        if self._client is None:
            self.open()
        body = json.dumps({"message_id": message.id, "channel": message.channel, "to": message.address,
                           "subject": message.subject, "body": message.body}, ensure_ascii=False).encode()
        # A retry after a timeout may reach a provider that did get the first try: the key lets it drop the double.
        headers = {"Content-Type": "application/json", "X-ShopCX-Timestamp": str(int(time.time())),
                   "Idempotency-Key": f"shopcx-message-{message.id}",
                   "X-ShopCX-Signature": "sha256=" + hmac_sha256_hex(self.secret, body)}
        try:
            answer = self._client.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException:
            return Outcome("retry", f"{self.name}: no answer within {self.timeout:g} s")
        except httpx.TransportError as exc:
            return Outcome("retry", f"{self.name}: {type(exc).__name__}: {exc}"[:300])
        if answer.is_success:
            return Outcome("sent")
        reason = f"{self.name}: HTTP {answer.status_code} {answer.text[:200]}".strip()
        return Outcome("retry" if answer.status_code >= 500 else "failed", reason)

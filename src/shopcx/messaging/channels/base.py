"""The one interface of every provider: open once per batch, send each prepared message, close."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

OUTCOMES = ("sent", "retry", "failed", "bounced")


@dataclass(frozen=True)
class Outgoing:
    """A message ready to go: its record id, where to, the texts, and extra headers (List-Unsubscribe)."""

    id: int
    channel: str
    address: str
    subject: str
    body: str
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    unsubscribe_url: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What a provider did: sent, retry (temporary: try again later), failed or bounced (with the reason)."""

    status: str
    reason: str | None = None


class Provider(Protocol):
    """A way out. `name` is stored on each message it carried."""

    name: str

    def open(self) -> None:
        """Get ready for a batch (connect); a failure here raises OSError and the batch is retried later."""

    def send(self, message: Outgoing) -> Outcome:
        """Hand one message over; never raises for a message's own problem, says so in the Outcome."""

    def close(self) -> None:
        """End the batch (disconnect)."""

"""Providers that keep what they are given: the sandbox (records what it would send, for the demo and for a shop
with no server configured) and the agents' list (staff send it by platform chat or phone, exported from the page)."""

from __future__ import annotations

from collections import deque

from .base import Outcome, Outgoing

# The sandbox's latest messages in this process (tests and the demo look at them); the record itself is the row.
SANDBOX: deque[Outgoing] = deque(maxlen=1000)


class SandboxProvider:
    """Records, never sends."""

    name = "sandbox"

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send(self, message: Outgoing) -> Outcome:
        SANDBOX.append(message)
        return Outcome("sent")


class AgentListProvider:
    """Puts the message on the agents' list: 'sent' here means handed to staff, who mark it delivered."""

    name = "agent_list"

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send(self, message: Outgoing) -> Outcome:
        return Outcome("sent")

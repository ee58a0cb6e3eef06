"""What every domain uses to erase a buyer (PIPL art. 47, GDPR art. 17): the identifiers to remove, and the
replacement of those identifiers inside free text and JSON. Amounts, dates and ledger lines are never touched."""

from __future__ import annotations

import re
from dataclasses import dataclass

ERASED = "[erased]"


@dataclass(frozen=True)
class Erasure:
    """One buyer's erasure: the customer id and the identifying strings (name, nickname, phone, e-mail, external
    ids) that must not remain anywhere, longest first so a name inside an e-mail goes with the e-mail."""

    customer_id: int
    needles: tuple[str, ...]

    @classmethod
    def of(cls, customer_id: int, values) -> Erasure:
        found = {v.strip() for v in values if v and len(v.strip()) >= 2}
        return cls(customer_id, tuple(sorted(found, key=len, reverse=True)))

    def scrub(self, text: str | None) -> str | None:
        """text with every identifier replaced (case-insensitive); None stays None."""
        if not text or not self.needles:
            return text
        pattern = re.compile("|".join(re.escape(n) for n in self.needles), re.IGNORECASE)
        return pattern.sub(ERASED, text)

    def scrub_json(self, value):
        """A JSON value with every string scrubbed (keys included)."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, list):
            return [self.scrub_json(v) for v in value]
        if isinstance(value, dict):
            return {self.scrub(k): self.scrub_json(v) for k, v in value.items()}
        return value

    def mentions(self, text) -> bool:
        """Whether a text (or JSON value) still contains one of the identifiers."""
        return bool(text) and self.scrub_json(text) != text

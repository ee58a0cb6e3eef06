"""Products bought together: item-to-item co-occurrence with lift, from the shop's own orders.

Over n baskets (one per customer: everything they bought), for products A and B with n_A, n_B baskets holding them
and n_AB holding both: support = n_AB / n, confidence(A→B) = n_AB / n_A, lift = n·n_AB / (n_A·n_B) (Agrawal,
Imieliński & Swami 1993; Brin et al. 1997 for lift). A lift above 1 means buyers of A take B more often than
buyers at large do. A recommendation for a customer is the pair with the highest lift from something they own to
something they do not, with its reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations


@dataclass(frozen=True, slots=True)
class Pair:
    """A → B: customers who bought A also bought B."""

    product_id: int
    other_id: int
    together: int  # n_AB
    confidence: Fraction  # n_AB / n_A
    lift: Fraction  # n·n_AB / (n_A·n_B)


def pairs(baskets: Iterable[Iterable[int]], *, min_together: int = 2, top: int = 10) -> list[Pair]:
    """The `top` partners of each product by lift (then by n_AB), among pairs seen in ≥ min_together baskets."""
    item_count: Counter = Counter()
    pair_count: Counter = Counter()
    n = 0
    for basket in baskets:
        items = sorted(set(basket))
        if not items:
            continue
        n += 1
        item_count.update(items)
        if len(items) > 1:
            pair_count.update(combinations(items, 2))
    found: dict[int, list[Pair]] = {}
    for (a, b), ab in pair_count.items():
        if ab < min_together:
            continue
        lift = Fraction(n * ab, item_count[a] * item_count[b])
        found.setdefault(a, []).append(Pair(a, b, ab, Fraction(ab, item_count[a]), lift))
        found.setdefault(b, []).append(Pair(b, a, ab, Fraction(ab, item_count[b]), lift))
    out = []
    for product in sorted(found):
        ranked = sorted(found[product], key=lambda p: (-p.lift, -p.together, p.other_id))
        out.extend(ranked[:top])
    return out


def recommend(owned: Iterable[int], table: Iterable[Pair], *, min_lift: Fraction = Fraction(1)) -> Pair | None:
    """The best partner of anything the customer owns that they do not own yet (lift > min_lift), or None."""
    have = set(owned)
    best = None
    for pair in table:
        if pair.product_id in have and pair.other_id not in have and pair.lift > min_lift:
            key = (pair.lift, pair.together, -pair.other_id)
            if best is None or key > best[0]:
                best = (key, pair)
    return best[1] if best else None

"""A generated Shopify order export for `import_bench.py --shopify LINES`: about LINES line-item rows.

Shaped like Shopify's own "Export orders" CSV: one row per line item, the order's own columns (Email, Financial
Status, Paid at, Fulfillment Status, Subtotal, Shipping, Taxes, Total, Discount Amount, Billing…, Phone,
Outstanding Balance, Refunded Amount) on its first row only and blank on the others, prices with two decimals,
times like `2026-03-01 10:00:00 -0700`; some buyers have only a phone (cash on delivery), some orders are
refunded, pending or cancelled. Deterministic for a given LINES and seed.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

HEADER = ("Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Accepts Marketing",
          "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount",
          "Shipping Method", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price",
          "Lineitem compare at price", "Lineitem sku", "Lineitem requires shipping", "Lineitem taxable",
          "Lineitem fulfillment status", "Billing Name", "Billing Street", "Billing City", "Billing Zip",
          "Billing Province", "Billing Country", "Billing Phone", "Shipping Name", "Shipping City",
          "Shipping Country", "Notes", "Cancelled at", "Payment Method", "Refunded Amount", "Outstanding Balance",
          "Id", "Phone", "Lineitem discount")
PRODUCTS = [(f"MUG-{n:04d}", f"Stoneware mug {n:04d} – {('sage', 'sand', 'ink', 'clay')[n % 4]}",
             (n % 30 + 8) * 100 - 1) for n in range(800)]
CITIES = (("Los Angeles", "CA", "US"), ("Portland", "OR", "US"), ("Seattle", "WA", "US"), ("Phoenix", "AZ", "US"))
ZONE = timezone(timedelta(hours=-7))


def generate(lines: int, folder: Path, seed: int = 5) -> Path:
    """Write an export of about `lines` line-item rows into folder and return its path."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, 8, 0, 0, tzinfo=ZONE)
    path = folder / "orders_export_1.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        written, n = 0, 0
        buyers = max(lines // 5, 1)
        while written < lines:
            n += 1
            buyer = rng.randrange(buyers)
            placed = start + timedelta(seconds=n * 40 + rng.randrange(30))
            items = [PRODUCTS[rng.randrange(len(PRODUCTS))] for _ in range(rng.choice((1, 1, 2, 2, 3, 4)))]
            quantities = [rng.choice((1, 1, 1, 2)) for _ in items]
            subtotal = sum(price * q for (_, _, price), q in zip(items, quantities, strict=True))
            shipping = rng.choice((0, 0, 499, 799))
            tax = round(subtotal * 0.0825)
            roll = rng.random()
            financial, fulfillment, paid_at, refunded, owed, cancelled = "paid", "fulfilled", placed, 0, 0, ""
            if roll < 0.03:
                financial, fulfillment, paid_at = "pending", "unfulfilled", None
            elif roll < 0.05:
                financial, refunded = "refunded", subtotal + shipping + tax
            elif roll < 0.07:
                financial, owed = "partially_paid", subtotal // 2
            elif roll < 0.08:
                financial, fulfillment, paid_at, cancelled = "voided", "unfulfilled", None, _text(placed + timedelta(
                    hours=2))
            total = subtotal + shipping + tax
            email = "" if buyer % 6 == 0 else f"buyer{buyer}@example.com"  # cash-on-delivery buyers: a phone only
            phone = f"+1 (415) 555-{buyer % 10000:04d}"
            city, province, country = CITIES[buyer % len(CITIES)]
            for index, ((sku, name, price), quantity) in enumerate(zip(items, quantities, strict=True)):
                first = index == 0
                out.writerow((
                    f"#{1000 + n}", email if first else "", financial if first else "",
                    _text(paid_at) if first and paid_at else "", fulfillment if first else "",
                    _text(placed + timedelta(days=2)) if first and fulfillment == "fulfilled" else "",
                    "yes" if first and buyer % 3 == 0 else ("no" if first else ""), "USD" if first else "",
                    _money(subtotal) if first else "", _money(shipping) if first else "",
                    _money(tax) if first else "", _money(total) if first else "", "", "0.00" if first else "",
                    "Standard" if first else "", _text(placed), quantity, name, _money(price), "", sku, "true", "true",
                    fulfillment, f"Buyer {buyer}" if first else "", "" if not first else f"{buyer % 900} Main St",
                    city if first else "", "9" + f"{buyer % 10000:04d}" if first else "", province if first else "",
                    country if first else "", phone if first else "", f"Buyer {buyer}" if first else "",
                    city if first else "", country if first else "", "", cancelled if first else "",
                    ("manual" if not email else "shopify_payments") if first else "",
                    _money(refunded) if first else "", _money(owed) if first else "",
                    str(5000000000 + n) if first else "", phone if first and not email else "", "0.00"))
                written += 1
    return path


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _text(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S %z")

"""SLA deadlines per second (issue 15, "Measured"): the pure engine (shopcx.desk.rules.deadline) beside a naive
minute-stepping reference, in one process on the same tickets.

Tickets (seeded): start at a random whole minute of 2025–2026 (UTC), a target of 30 min to 3 working days, and 1–3
known pauses (waiting on the buyer), each starting 0–4 days after the ticket and lasting 10 min–3 days (overlaps
allowed, as real pause logs have them). Two shops:
  CN: Asia/Shanghai, 09:00–12:00 + 13:30–18:00 Mon–Fri, Chinese holidays and 调休 days (2027: weekly schedule);
  US: America/New_York, 09:00–17:00 Mon–Fri, crossing the DST changes of both years.
The engine computes every ticket (timed in chunks so the tickets' datetimes need not all sit in memory); the reference
steps one minute at a time (is this minute inside the day's hours and outside every pause?) over a sample, and the
engine must give the same deadline on every ticket of the sample. Everything is whole minutes, so stepping by minutes
is exact.

    .venv/bin/python bench/desk_bench.py [--tickets 1000000] [--sample 2000] [--seed 20260214]

Prints a table and, as its last line, one JSON object. The other two figures of issue 15 have their own scripts:
bench/desk_inbox_bench.py (the agent inbox with 100,000 open tickets on PostgreSQL, p95 page time) and
bench/desk_flood_bench.py (a flood of webhook tickets: tickets/s, 0 lost, 0 duplicated on replay).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from shopcx.core.calendar import WorkCalendar  # noqa: E402
from shopcx.desk.rules import deadline  # noqa: E402

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
FIRST = datetime(2025, 1, 1, tzinfo=timezone.utc)
SPAN_MIN = 2 * 365 * 24 * 60  # 2025–2026
CHUNK = 100_000
SHOPS = {
    "CN": (WorkCalendar.standard("09:00-12:00,13:30-18:00", timezone="Asia/Shanghai", country="CN"), 450),
    "US": (WorkCalendar.standard("09:00-17:00", timezone="America/New_York", country=None), 480),
}


def tickets(n: int, day_minutes: int, rng: np.random.Generator) -> list[tuple[datetime, int, list]]:
    """n tickets: (start, target minutes, [(pause start, pause end), ...]), all on whole minutes."""
    start = rng.integers(0, SPAN_MIN, n)
    target = rng.integers(30, 3 * day_minutes + 1, n)
    n_pauses = rng.integers(1, 4, n)
    offsets = rng.integers(0, 4 * 24 * 60, (n, 3))
    lengths = rng.integers(10, 3 * 24 * 60 + 1, (n, 3))
    out = []
    minute = timedelta(minutes=1)
    for i in range(n):
        s = FIRST + int(start[i]) * minute
        pauses = [(s + int(offsets[i, k]) * minute, s + int(offsets[i, k] + lengths[i, k]) * minute)
                  for k in range(n_pauses[i])]
        out.append((s, int(target[i]), pauses))
    return out


def naive_deadline(calendar: WorkCalendar, start: datetime, minutes: int, pauses: list) -> datetime:
    """Step one minute at a time; count the minute if its local time is in the day's hours and no pause holds it."""
    tz, t, counted, step = calendar.tz, start, 0, timedelta(minutes=1)
    while counted < minutes:
        local = t.astimezone(tz)
        m = local.hour * 60 + local.minute
        if any(a <= m < b for a, b in calendar.hours_on(local.date())) and not any(p <= t < q for p, q in pauses):
            counted += 1
        t += step
    return t


def bench_shop(code: str, n: int, sample: int, seed: int) -> dict:
    calendar, day_minutes = SHOPS[code]
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    deadline(calendar, FIRST, 60)  # builds the working-time index for the years around the start (one-off)
    build_s = time.perf_counter() - started
    engine_s, engine_cpu, done, pauses_total = 0.0, 0.0, 0, 0
    first_chunk = None
    while done < n:
        chunk = tickets(min(CHUNK, n - done), day_minutes, rng)
        if first_chunk is None:
            first_chunk = chunk[:sample]
        pauses_total += sum(len(p) for _, _, p in chunk)
        started, cpu = time.perf_counter(), time.process_time()
        for s, minutes, pauses in chunk:
            deadline(calendar, s, minutes, pauses)
        engine_s += time.perf_counter() - started
        engine_cpu += time.process_time() - cpu
        done += len(chunk)
    # The same sample through both, timed separately.
    started, cpu = time.perf_counter(), time.process_time()
    ours = [deadline(calendar, s, minutes, pauses) for s, minutes, pauses in first_chunk]
    engine_sample_s, engine_sample_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    theirs = [naive_deadline(calendar, s, minutes, pauses) for s, minutes, pauses in first_chunk]
    naive_s, naive_cpu = time.perf_counter() - started, time.process_time() - cpu
    mismatches = [(t[0].isoformat(), t[1], a, b) for t, a, b in zip(first_chunk, ours, theirs, strict=True) if a != b]
    assert not mismatches, f"{code}: engine and minute-stepping differ on {len(mismatches)} tickets: {mismatches[:3]}"
    late = max(ours)
    return {"shop": code, "timezone": calendar.timezone, "tickets": n, "pauses": pauses_total,
            "index_build_s": round(build_s, 4), "engine_s": round(engine_s, 3), "engine_per_s": round(n / engine_s),
            "engine_per_cpu_s": round(n / engine_cpu), "sample": len(first_chunk),
            "engine_sample_per_s": round(len(first_chunk) / engine_sample_s),
            "naive_s": round(naive_s, 3), "naive_per_s": round(len(first_chunk) / naive_s, 1),
            "naive_per_cpu_s": round(len(first_chunk) / naive_cpu, 1),
            "ratio": round(naive_s / engine_sample_s), "ratio_cpu": round(naive_cpu / engine_sample_cpu),
            "agree": f"{len(first_chunk) - len(mismatches)}/{len(first_chunk)}", "latest_due": late.isoformat()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=20260214)
    parser.add_argument("--shops", default="CN,US")
    args = parser.parse_args()
    rows = [bench_shop(code, args.tickets, args.sample, args.seed + i)
            for i, code in enumerate(args.shops.split(","))]
    print(f"{'shop':<5}{'timezone':<18}{'tickets':>11}{'engine/s':>10}{'/cpu-s':>10}{'sample':>8}{'engine/s':>10}"
          f"{'naive/s':>9}{'/cpu-s':>8}{'ratio':>8}{'/cpu':>7}{'agree':>11}")
    for r in rows:
        print(f"{r['shop']:<5}{r['timezone']:<18}{r['tickets']:>11,}{r['engine_per_s']:>10,}"
              f"{r['engine_per_cpu_s']:>10,}{r['sample']:>8,}{r['engine_sample_per_s']:>10,}"
              f"{r['naive_per_s']:>9,.1f}{r['naive_per_cpu_s']:>8,.1f}{r['ratio']:>7,}×{r['ratio_cpu']:>6,}×"
              f"{r['agree']:>11}")
    print("engine/s: every ticket (1–3 pauses each), wall clock; /cpu-s: per second of this process's CPU time (the "
          "figure to compare on a busy machine); sample: the same tickets through both methods; ratio = naive time ÷ "
          "engine time on the sample (wall clock, CPU time)")
    print(json.dumps({"bench": "desk_deadlines", "seed": args.seed, "rows": rows}, separators=(",", ":")))


if __name__ == "__main__":
    main()

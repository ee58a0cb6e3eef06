"""PLS path modelling: this project (shopcx.surveys.models.pls) vs plspm 0.5.7 (PyPI), on the same data.

(a) The ECSI `satisfaction` survey (250 respondents × 27 items, ../shared/data/ecsi_satisfaction).
(b) --respondents (default 100,000) synthetic respondents × 27 items, drawn (seeded) from the ECSI model: latent
    variables from R plspm's path coefficients and R² on the survey, items from its loadings, answers rounded to
    the survey's 0–10 scale.
Both: the centroid model of the data's README (unscaled items), estimated alone and with 200 bootstrap resamples.

plspm 0.5.7 fails on pandas 3, so it runs in its own virtual environment (var/bench-venv-plspm, created on first
use with plspm==0.5.7, pandas==2.1.4, numpy==1.26.4) in a subprocess that times only the estimation calls.
Prints a table and, as the last line, one JSON object.

    .venv/bin/python bench/survey_bench.py [--respondents 100000] [--resamples 200] [--seed 20240601] [--no-plspm]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from shopcx.surveys.models import pls  # noqa: E402

SHARED = Path(os.environ.get("SHOPCX_SHARED_DATA", ROOT.parent / "shared" / "data"))
ECSI = SHARED / "ecsi_satisfaction" / "satisfaction.csv"
VENV = ROOT / "var" / "bench-venv-plspm"
PLSPM_PINS = ["plspm==0.5.7", "pandas==2.1.4", "numpy==1.26.4"]
SIZES = {"IMAG": 5, "EXPE": 5, "QUAL": 5, "VAL": 4, "SAT": 4, "LOY": 4}
PATHS = [("IMAG", "EXPE"), ("IMAG", "SAT"), ("IMAG", "LOY"), ("EXPE", "QUAL"), ("EXPE", "VAL"), ("EXPE", "SAT"),
         ("QUAL", "VAL"), ("QUAL", "SAT"), ("VAL", "SAT"), ("SAT", "LOY")]
SPEC = {"blocks": {b: {"items": [f"{b.lower()}{i}" for i in range(1, k + 1)], "mode": "A"} for b, k in SIZES.items()},
        "paths": [list(p) for p in PATHS], "scheme": "centroid", "scaled": False}
# R plspm on the ECSI survey (the data's reference files): path coefficients, R², loadings
ECSI_PATHS = {("IMAG", "EXPE"): 0.5790, ("EXPE", "QUAL"): 0.8483, ("EXPE", "VAL"): 0.1055, ("QUAL", "VAL"): 0.6767,
              ("IMAG", "SAT"): 0.2007, ("EXPE", "SAT"): -0.0028, ("QUAL", "SAT"): 0.1221, ("VAL", "SAT"): 0.5893,
              ("IMAG", "LOY"): 0.2751, ("SAT", "LOY"): 0.4955}
ECSI_R2 = {"EXPE": 0.3352, "QUAL": 0.7197, "VAL": 0.5901, "SAT": 0.7073, "LOY": 0.5099}
ECSI_LOADINGS = [0.709, 0.877, 0.842, 0.569, 0.778, 0.766, 0.837, 0.760, 0.718, 0.837, 0.781, 0.882, 0.794, 0.789,
                 0.807, 0.865, 0.796, 0.750, 0.844, 0.920, 0.916, 0.826, 0.818, 0.907, 0.671, 0.905, 0.682]

PLSPM_RUNNER = r'''
import json, sys, time
import numpy as np, pandas as pd
import plspm.config as c
from plspm.mode import Mode
from plspm.plspm import Plspm
from plspm.scheme import Scheme

job = json.loads(sys.argv[1])
data = pd.DataFrame(np.load(job["npy"]), columns=job["columns"])
s = c.Structure()
for a, b in job["paths"]:
    s.add_path([a], [b])
config = c.Config(s.path(), scaled=False)
for lv, items in job["blocks"].items():
    config.add_lv(lv, Mode.A, *[c.MV(i) for i in items])
times = []
for _ in range(job["repeats"]):
    start = time.perf_counter()
    model = Plspm(data, config, Scheme.CENTROID)
    times.append(time.perf_counter() - start)
paths = model.path_coefficients()
out = {"seconds": times, "weights": model.outer_model()["weight"].to_dict(),
       "paths": {f"{a} -> {b}": float(paths.loc[b, a]) for a, b in job["paths"]}}
if job["resamples"]:
    start = time.perf_counter()
    boot = Plspm(data, config, Scheme.CENTROID, bootstrap=True, bootstrap_iterations=job["resamples"], processes=2)
    out["boot_seconds"] = time.perf_counter() - start
    out["boot_path_se"] = boot.bootstrap().paths()["std.error"].to_dict()
print(json.dumps(out))
'''


def read_ecsi() -> dict[str, np.ndarray]:
    with open(ECSI, newline="") as fh:
        rows = list(csv.reader(fh))
    return {name: np.array([float(r[i]) for r in rows[1:]]) for i, name in enumerate(rows[0])
            if name not in ("", "gender")}


def simulate(n: int, seed: int) -> dict[str, np.ndarray]:
    """n respondents from the ECSI model: standardised latent variables, items on the survey's 0–10 scale."""
    rng = np.random.default_rng(seed)
    lv: dict[str, np.ndarray] = {"IMAG": rng.standard_normal(n)}
    for target in ("EXPE", "QUAL", "VAL", "SAT", "LOY"):
        fitted = sum(b * lv[a] for (a, t), b in ECSI_PATHS.items() if t == target)
        z = fitted + np.sqrt(1 - ECSI_R2[target]) * rng.standard_normal(n)
        lv[target] = (z - z.mean()) / z.std()
    data, k = {}, 0
    for block, size in SIZES.items():
        for i in range(1, size + 1):
            lam = ECSI_LOADINGS[k]
            x = lam * lv[block] + np.sqrt(1 - lam**2) * rng.standard_normal(n)
            data[f"{block.lower()}{i}"] = np.clip(np.rint(7.0 + 1.8 * x), 0, 10)
            k += 1
    return data


def ensure_venv() -> Path:
    """The plspm virtual environment, created and filled from PyPI on first use."""
    python = VENV / "bin" / "python"
    check = [str(python), "-c", "import plspm, pandas, numpy; assert pandas.__version__ == '2.1.4'"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    print(f"creating {VENV.relative_to(ROOT)} with {' '.join(PLSPM_PINS)} …", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", *PLSPM_PINS], check=True)
    subprocess.run(check, check=True)
    return python


def run_plspm(python: Path, data: dict[str, np.ndarray], resamples: int, repeats: int) -> dict:
    columns = [i for b in SPEC["blocks"].values() for i in b["items"]]
    with tempfile.TemporaryDirectory() as tmp:
        npy = Path(tmp) / "data.npy"
        np.save(npy, np.column_stack([data[c] for c in columns]))
        job = {"npy": str(npy), "columns": columns, "paths": PATHS, "resamples": resamples, "repeats": repeats,
               "blocks": {b: v["items"] for b, v in SPEC["blocks"].items()}}
        done = subprocess.run([str(python), "-c", PLSPM_RUNNER, json.dumps(job)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"plspm failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_ours(data: dict[str, np.ndarray], resamples: int, repeats: int, seed: int) -> dict:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        res = pls.estimate(data, SPEC)
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    boot = pls.bootstrap(data, SPEC, resamples=resamples, seed=seed)
    boot_seconds = time.perf_counter() - start
    return {"seconds": times, "boot_seconds": boot_seconds, "iterations": res.iterations,
            "weights": dict(zip(res.items, res.weights.tolist(), strict=True)),
            "paths": {f"{a} -> {b}": res.path(a, b) for a, b in PATHS},
            "boot_path_se": dict(zip(boot.paths.names, boot.paths.std_error.tolist(), strict=True)),
            "boot_used": boot.used}


def max_diff(a: dict[str, float], b: dict[str, float]) -> float:
    return max(abs(a[k] - b[k]) for k in a)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--respondents", type=int, default=100_000)
    ap.add_argument("--resamples", type=int, default=200)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--no-plspm", action="store_true")
    args = ap.parse_args()

    python = None if args.no_plspm else ensure_venv()
    sets = {"ECSI 250×27": read_ecsi(), f"synthetic {args.respondents:,}×27": simulate(args.respondents, args.seed)}
    pls.estimate(sets["ECSI 250×27"], SPEC)  # warm imports and BLAS
    rows, report = [], {}
    for name, data in sets.items():
        small = len(next(iter(data.values()))) < 10_000
        ours = run_ours(data, args.resamples, 20 if small else 5, args.seed)
        other = run_plspm(python, data, args.resamples, 5 if small else 3) if python else None
        t_ours, t_other = statistics.median(ours["seconds"]), statistics.median(other["seconds"]) if other else None
        rows.append((name, "estimate", t_ours, t_other,
                     max_diff(ours["paths"], other["paths"]) if other else None,
                     max_diff(ours["weights"], other["weights"]) if other else None))
        rows.append((name, f"+ bootstrap {args.resamples}", ours["boot_seconds"],
                     other["boot_seconds"] if other else None,
                     max_diff(ours["boot_path_se"], other["boot_path_se"]) if other else None, None))
        report[name] = {"shopcx": ours, "plspm": other}

    print(f"{'data':<24}{'task':<18}{'shopcx s':>10}{'plspm s':>10}{'ratio':>9}{'max|Δ| paths':>15}"
          f"{'max|Δ| weights':>16}")
    for name, task, a, b, dp, dw in rows:
        ratio = f"{b / a:>8.1f}x" if b else f"{'—':>9}"
        print(f"{name:<24}{task:<18}{a:>10.4f}{(f'{b:.4f}' if b else '—'):>10}{ratio}"
              f"{(f'{dp:.2e}' if dp is not None else '—'):>15}{(f'{dw:.2e}' if dw is not None else '—'):>16}")
    print("estimate: median of repeated runs; Δ against plspm's estimates. bootstrap: one run each, estimate "
          "included; Δ paths there is between the two bootstrap std. errors (different random resamples).")
    summary = {
        "respondents": args.respondents, "resamples": args.resamples, "seed": args.seed,
        "rows": [dict(data=n, task=t, shopcx_s=round(a, 5), plspm_s=round(b, 5) if b else None,
                      ratio=round(b / a, 1) if b else None, max_abs_diff_paths=dp, max_abs_diff_weights=dw)
                 for n, t, a, b, dp, dw in rows],
        "iterations": {n: r["shopcx"]["iterations"] for n, r in report.items()},
    }
    print(json.dumps(summary, separators=(",", ":")))


if __name__ == "__main__":
    main()

"""PLS path modelling (Wold / Lohmöller algorithm) in NumPy, reproducing R plspm (Sanchez 2013) to rounding.

Sources, cited below by author:
- Wold, H. (1982) "Soft modeling: the basic design and some extensions", in Jöreskog & Wold (eds.), Systems under
  Indirect Observation II, North-Holland, 1–54 — the iterative outer/inner estimation.
- Lohmöller, J.-B. (1989) Latent Variable Path Modeling with Partial Least Squares, Physica — the centroid,
  factorial and path weighting schemes and the effects decomposition.
- Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M. & Lauro, C. (2005) "PLS path modeling", Computational
  Statistics & Data Analysis 48, 159–205 — Modes A and B, communality, redundancy, block unidimensionality
  (Cronbach's α, Dillon-Goldstein's ρ, eigenvalues) and the goodness of fit (GoF).
- Sanchez, G. (2013) PLS Path Modeling with R, and R plspm 0.4.9 — the conventions reproduced here: items centred
  (and scaled to unit population variance when `scaled`), scores with mean 0 and population variance 1, the
  stopping rule Σ(|w_old| − |w_new|)² < tolerance on the unnormalised outer weights.

Every step of the outer iteration is a function of the covariance matrix S of the treated items: with
Y = X W D (D making the columns of Y unit-variance), cov(Y) = D WᵀSW D and cov(X, Z) = S W D E for the inner
estimates Z = Y E, so Mode A (w_j = cov(X_j, z_j)) and Mode B (w_j = S_jj⁻¹ cov(X_j, z_j)) never touch the n rows.
The data are read once for S and once for the scores, so the cost of the iteration does not grow with n, and
the bootstrap forms all resampled S in one matrix product.

Missing values are refused by default (`missing="refuse"`, naming the column); `missing="drop"` deletes the
incomplete rows listwise and reports how many (`PLSResult.dropped_rows`, `PLSResult.kept_rows`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from scipy import stats

from shopcx.surveys.models.pls_engine import (
    Layout,
    Prepared,
    fit_weights,
    inner_fit,
    prepare,
    total_effects,
)
from shopcx.surveys.models.pls_spec import MODES, SCHEMES, Block, PathModel, invalid, parse_scale, validate_spec

__all__ = [
    "MODES", "SCHEMES", "Block", "BootTable", "BootstrapResult", "Effect", "PLSResult", "PathModel", "Regression",
    "SatisfactionIndex", "bootstrap", "estimate", "validate_spec",
]

_ROW_CHUNK = 4096  # rows per block of the resampled cross-products (13 MB of them at p = 27, cache-friendly)

# ------------------------------------------------------------------------------------------------ the result


class Regression(NamedTuple):
    """One coefficient of an inner regression: source → target, with its OLS std. error, t and two-sided p."""

    source: str
    target: str
    estimate: float
    std_error: float
    t: float
    p: float


class Effect(NamedTuple):
    """Direct, indirect and total effect of one latent variable on another (Lohmöller 1989)."""

    source: str
    target: str
    direct: float
    indirect: float
    total: float


@dataclass(frozen=True)
class SatisfactionIndex:
    """ACSI-style 0–100 index of one block (DESIGN.md §4): per respondent and its mean."""

    block: str
    items: tuple[str, ...]
    weights: np.ndarray           # normalised outer weights on the unstandardised items, summing to 1
    scale: tuple[float, float]
    per_respondent: np.ndarray
    mean: float


@dataclass(frozen=True)
class PLSResult:
    """Everything R plspm reports for one model; arrays follow `lvs` (topological order) and `items`."""

    model: PathModel
    lvs: tuple[str, ...]
    items: tuple[str, ...]
    blocks: tuple[str, ...]          # the block of each item
    n: int
    dropped_rows: int
    kept_rows: np.ndarray            # bool per input row
    iterations: int
    weights: np.ndarray              # (p,) outer weights on the treated items (scores have variance 1)
    loadings: np.ndarray             # (p,)
    communalities: np.ndarray        # (p,) loading²
    redundancies: np.ndarray         # (p,) communality × R² of the block
    crossloadings: np.ndarray        # (p, L) correlation of every item with every score
    scores: np.ndarray               # (n, L) mean 0, population variance 1
    path_coefficients: np.ndarray    # (L, L) [to, from]
    r_squared: np.ndarray            # (L,) 0 for exogenous
    r_squared_adj: np.ndarray
    inner_model: tuple[Regression, ...]
    effects: tuple[Effect, ...]
    endogenous: np.ndarray           # (L,) bool
    block_communality: np.ndarray    # (L,)
    mean_redundancy: np.ndarray      # (L,)
    ave: np.ndarray                  # (L,) NaN for Mode B blocks
    cronbach_alpha: np.ndarray       # (L,) NaN for Mode B and one-item blocks
    dillon_goldstein_rho: np.ndarray
    eig_1st: np.ndarray
    eig_2nd: np.ndarray
    gof: float
    index: SatisfactionIndex | None = None
    scheme: str = "centroid"

    def path(self, source: str, target: str) -> float:
        """The path coefficient source → target (0 where there is no path)."""
        return float(self.path_coefficients[self.lvs.index(target), self.lvs.index(source)])

    def to_dict(self, *, scores: bool = False) -> dict:
        """A JSON-ready summary (NaN as null); the scores only when asked."""
        def num(v: float) -> float | None:
            return None if not math.isfinite(v) else float(v)

        out = {
            "n": self.n, "dropped_rows": self.dropped_rows, "iterations": self.iterations, "scheme": self.scheme,
            "scaled": self.model.scaled, "gof": num(self.gof),
            "outer_model": [dict(name=i, block=b, weight=num(w), loading=num(lo), communality=num(c),
                                 redundancy=num(r))
                            for i, b, w, lo, c, r in zip(self.items, self.blocks, self.weights, self.loadings,
                                                         self.communalities, self.redundancies, strict=True)],
            "inner_model": [{"from": r.source, "to": r.target, "estimate": num(r.estimate),
                             "std_error": num(r.std_error), "t": num(r.t), "p": num(r.p)} for r in self.inner_model],
            "effects": [{"from": e.source, "to": e.target, "direct": num(e.direct), "indirect": num(e.indirect),
                         "total": num(e.total)} for e in self.effects],
            "inner_summary": [dict(name=lv, type="Endogenous" if en else "Exogenous", r_squared=num(r2),
                                   r_squared_adj=num(r2a), block_communality=num(bc), mean_redundancy=num(mr),
                                   ave=num(a))
                              for lv, en, r2, r2a, bc, mr, a in zip(self.lvs, self.endogenous, self.r_squared,
                                                                    self.r_squared_adj, self.block_communality,
                                                                    self.mean_redundancy, self.ave, strict=True)],
            "unidimensionality": [dict(name=lv, mode=self.model.blocks[lv].mode,
                                       mvs=len(self.model.blocks[lv].items), cronbach_alpha=num(a),
                                       dillon_goldstein_rho=num(r), eig_1st=num(e1), eig_2nd=num(e2))
                                  for lv, a, r, e1, e2 in zip(self.lvs, self.cronbach_alpha, self.dillon_goldstein_rho,
                                                              self.eig_1st, self.eig_2nd, strict=True)],
            "crossloadings": [dict(name=i, block=b, **{lv: num(v) for lv, v in zip(self.lvs, row, strict=True)})
                              for i, b, row in zip(self.items, self.blocks, self.crossloadings, strict=True)],
        }
        if self.index is not None:
            ix = self.index
            out["index"] = {"block": ix.block, "mean": num(ix.mean), "scale": list(ix.scale),
                            "weights": {i: num(w) for i, w in zip(ix.items, ix.weights, strict=True)}}
        if scores:
            out["scores"] = {lv: self.scores[:, j].tolist() for j, lv in enumerate(self.lvs)}
        return out


def _unidimensionality(S: np.ndarray, lay: Layout) -> tuple[np.ndarray, ...]:
    """Cronbach's α, Dillon-Goldstein's ρ and the first two eigenvalues of each block's correlation matrix."""
    L = len(lay.lvs)
    alpha, rho, e1, e2 = (np.full(L, np.nan) for _ in range(4))
    for j, idx in enumerate(lay.slices):
        sd = np.sqrt(np.diag(S)[idx])
        R = S[np.ix_(idx, idx)] / np.outer(sd, sd)
        vals, vecs = np.linalg.eigh(R)
        e1[j] = vals[-1]
        p = len(idx)
        if p > 1:
            e2[j] = vals[-2]
        if lay.modes[j] != "A":
            continue
        if p > 1:
            # standardised α = p/(p−1) · Σ_{i≠k} r_ik / Σ_{i,k} r_ik (Cronbach 1951, on standardised items)
            alpha[j] = max(0.0, (R.sum() - p) / R.sum() * p / (p - 1))
        # ρ = (Σλ)² / ((Σλ)² + Σ(1 − λ²)), λ the items' correlations with the first principal component
        lam = vecs[:, -1] * math.sqrt(vals[-1])
        rho[j] = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
    return alpha, rho, e1, e2


def _satisfaction_index(prep: Prepared, W: np.ndarray, scale: tuple[float, float] | None) -> SatisfactionIndex | None:
    model, lay = prep.model, prep.lay
    if model.index is None:
        return None
    scale = parse_scale(scale, "scale") if scale is not None else model.scale
    if scale is None:
        raise invalid("invalid_spec", f"scale: the index of {model.index} needs the answer scale [min, max], "
                                      "e.g. [1, 10]", "scale")
    lo, hi = scale
    j = lay.lvs.index(model.index)
    idx = lay.slices[j]
    # weights on the unstandardised items: a weight on a scaled item x/sd is weight/sd on x
    w = W[idx, j] / prep.sd[idx] if model.scaled else W[idx, j].copy()
    if abs(w.sum()) < 1e-12:
        raise invalid("invalid_index", f"index: the outer weights of {model.index} sum to 0", "index")
    w = w / w.sum()
    X = prep.X[:, idx]
    outside = (X < lo) | (X > hi)
    if outside.any():
        col = int(np.flatnonzero(outside.any(axis=0))[0])
        item = lay.items[idx[col]]
        raise invalid("out_of_scale", f"{item}: {int(outside[:, col].sum())} answers lie outside the scale "
                                      f"{lo:g}–{hi:g}", item)
    # (Σ wᵢxᵢ − min·Σwᵢ) / ((max − min)·Σwᵢ) × 100 with Σwᵢ = 1 (DESIGN.md §4; Fornell et al. 1996)
    per = (X @ w - lo) / (hi - lo) * 100.0
    return SatisfactionIndex(model.index, tuple(lay.items[i] for i in idx), w, (lo, hi), per, float(per.mean()))


def estimate(data: Any, spec: Mapping[str, Any] | PathModel, *, columns: Sequence[str] | None = None,
             scale: tuple[float, float] | None = None, missing: str = "refuse") -> PLSResult:
    """Estimate a PLS path model on `data` (mapping column → values, or an (n, p) array with `columns`)."""
    prep = prepare(data, spec, columns, missing)
    model, lay, S = prep.model, prep.lay, prep.S
    n = prep.X.shape[0]
    W3, iters, ok = fit_weights(S[None], lay, model)
    if not ok[0]:
        raise invalid("not_converged", f"spec: the PLS iterations did not converge in {model.max_iterations} rounds; "
                                       "check the blocks or allow more iterations", "max_iterations")
    W = W3[0]
    SW = S @ W
    RY = W.T @ SW
    cross = SW / np.sqrt(np.diag(S))[:, None] / np.sqrt(np.diag(RY))[None, :]
    loadings = (cross * lay.odm).sum(axis=1)
    paths, r2, inv_diag = inner_fit(RY[None], lay.pred)
    paths, r2 = paths[0], r2[0]
    endo = lay.endogenous
    q = lay.pred.sum(axis=1)
    r2_adj = np.where(endo, 1 - (1 - r2) * (n - 1) / np.maximum(n - q - 1, 1), 0.0)
    comm = loadings**2
    redund = comm * r2[lay.block_of]
    rows: list[Regression] = []
    for k in np.flatnonzero(endo):
        pre = np.flatnonzero(lay.pred[k])
        df = n - len(pre) - 1
        # OLS with intercept on unit-variance scores: Var(β̂) = σ̂² (n R_pp)⁻¹, σ̂² = n(1 − R²)/(n − q − 1)
        se = np.sqrt((1 - r2[k]) / df * inv_diag[k][0])
        for i, src in enumerate(pre):
            b = paths[k, src]
            t = b / se[i]
            rows.append(Regression(lay.lvs[src], lay.lvs[k], float(b), float(se[i]), float(t),
                                   float(2 * stats.t.sf(abs(t), df))))
    total = total_effects(paths[None])[0]
    effects = tuple(Effect(lay.lvs[a], lay.lvs[b], float(paths[b, a]), float(total[b, a] - paths[b, a]),
                           float(total[b, a])) for a, b in lay.pairs)
    block_comm = np.array([comm[s].mean() for s in lay.slices])
    mean_red = np.array([redund[s].mean() for s in lay.slices])
    ave = np.array([comm[s].sum() / (comm[s].sum() + (1 - comm[s]).sum()) if m == "A" else np.nan
                    for s, m in zip(lay.slices, lay.modes, strict=True)])  # Fornell & Larcker (1981)
    multi = np.concatenate([s for s in lay.slices if len(s) > 1] or [np.array([], int)])
    # GoF = √(mean communality of the items of multi-item blocks × mean R² of the endogenous variables)
    gof = math.sqrt(comm[multi].mean() * r2[endo].mean()) if multi.size else math.nan
    alpha, rho, e1, e2 = _unidimensionality(S, lay)
    scores = prep.centred @ W
    return PLSResult(
        model=model, lvs=lay.lvs, items=lay.items, blocks=tuple(lay.lvs[j] for j in lay.block_of), n=n,
        dropped_rows=int((~prep.kept).sum()), kept_rows=prep.kept, iterations=int(iters[0]),
        weights=W[np.arange(len(lay.items)), lay.block_of], loadings=loadings, communalities=comm,
        redundancies=redund, crossloadings=cross, scores=scores, path_coefficients=paths, r_squared=r2,
        r_squared_adj=r2_adj, inner_model=tuple(rows), effects=effects, endogenous=endo,
        block_communality=block_comm, mean_redundancy=mean_red, ave=ave, cronbach_alpha=alpha,
        dillon_goldstein_rho=rho, eig_1st=e1, eig_2nd=e2, gof=gof,
        index=_satisfaction_index(prep, W, scale), scheme=model.scheme)


# ------------------------------------------------------------------------------------------------ bootstrap


@dataclass(frozen=True)
class BootTable:
    """Bootstrap distribution of one family of estimates: original, mean, std. error, percentile interval."""

    names: tuple[str, ...]
    original: np.ndarray
    samples: np.ndarray      # (resamples used, k)
    mean: np.ndarray
    std_error: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    def to_dict(self) -> list[dict]:
        """One JSON row per estimate."""
        return [dict(name=n, original=float(o), mean=float(m), std_error=float(e), lower=float(lo), upper=float(up))
                for n, o, m, e, lo, up in zip(self.names, self.original, self.mean, self.std_error, self.lower,
                                              self.upper, strict=True)]


@dataclass(frozen=True)
class BootstrapResult:
    """Percentile intervals (Efron & Tibshirani 1993, ch. 13) for paths, weights, loadings, R², total effects."""

    resamples: int
    used: int                # resamples that converged and had no constant item
    seed: int | None
    level: float
    paths: BootTable
    weights: BootTable
    loadings: BootTable
    r_squared: BootTable
    total_effects: BootTable

    def to_dict(self) -> dict:
        """A JSON-ready summary."""
        return {"resamples": self.resamples, "used": self.used, "seed": self.seed, "level": self.level,
                **{k: getattr(self, k).to_dict() for k in ("paths", "weights", "loadings", "r_squared",
                                                           "total_effects")}}


def _batch_estimates(S: np.ndarray, W: np.ndarray, lay: Layout) -> dict[str, np.ndarray]:
    """Weights, loadings, paths, R² and total effects for a stack of covariance matrices and their weights."""
    SW = S @ W
    RY = np.einsum("bpl,bpm->blm", W, SW)
    sd = np.sqrt(np.diagonal(S, axis1=1, axis2=2))
    loadings = (SW * lay.odm).sum(axis=2) / sd / np.sqrt(np.diagonal(RY, axis1=1, axis2=2))[:, lay.block_of]
    paths, r2, _ = inner_fit(RY, lay.pred)
    return {"weights": W[:, np.arange(len(lay.items)), lay.block_of], "loadings": loadings, "paths": paths,
            "r_squared": r2, "total_effects": total_effects(paths)}


def _resampled_covariances(prep: Prepared, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """S of every resample at once: the rows' cross-products (p(p+1)/2, n) times the counts (n, B), in row blocks."""
    XT = (prep.X - prep.X.mean(axis=0)).T  # re-centred per resample below; this only keeps the sums small
    p, n = XT.shape
    counts = np.empty((resamples, n), np.uint16 if n < 65536 else np.uint32)
    for b in range(resamples):
        counts[b] = np.bincount(rng.integers(0, n, n), minlength=n)
    iu, ju = np.triu_indices(p)
    acc = np.zeros((p + len(iu), resamples))
    for r0 in range(0, n, _ROW_CHUNK):
        x = XT[:, r0:r0 + _ROW_CHUNK]
        Q = np.empty((p + len(iu), x.shape[1]))
        Q[:p] = x
        at = p
        for i in range(p):  # row by row in triu_indices order; slicing rows beats gathering columns
            Q[at:at + p - i] = x[i] * x[i:]
            at += p - i
        acc += Q @ counts[:, r0:r0 + _ROW_CHUNK].T.astype(np.float64)
    acc = acc.T / n
    S = np.empty((resamples, p, p))
    S[:, iu, ju] = acc[:, p:]
    S[:, ju, iu] = acc[:, p:]
    S -= acc[:, :p, None] * acc[:, None, :p]
    if prep.model.scaled:  # each resample is standardised on its own, as re-running the estimate would do
        with np.errstate(invalid="ignore", divide="ignore"):
            sd = np.sqrt(np.diagonal(S, axis1=1, axis2=2))
            S = S / sd[:, :, None] / sd[:, None, :]
    return S


def bootstrap(data: Any, spec: Mapping[str, Any] | PathModel, resamples: int = 200, seed: int | None = None, *,
              level: float = 0.95, columns: Sequence[str] | None = None, missing: str = "refuse") -> BootstrapResult:
    """Percentile bootstrap intervals: `resamples` row resamples with replacement, re-estimated in one batch."""
    if isinstance(resamples, bool) or not isinstance(resamples, int) or resamples < 2:
        raise invalid("invalid_input", f"resamples: expected a whole number ≥ 2, got {resamples!r}", "resamples")
    if not 0 < level < 1:
        raise invalid("invalid_input", f"level: expected a confidence level between 0 and 1, got {level!r}", "level")
    prep = prepare(data, spec, columns, missing)
    model, lay = prep.model, prep.lay
    W0, _, ok0 = fit_weights(prep.S[None], lay, model)
    if not ok0[0]:
        raise invalid("not_converged", f"spec: the PLS iterations did not converge in {model.max_iterations} "
                                          "rounds", "max_iterations")
    original = _batch_estimates(prep.S[None], W0, lay)
    S = _resampled_covariances(prep, resamples, np.random.default_rng(seed))
    sd = np.diagonal(S, axis1=1, axis2=2)
    usable = np.isfinite(S).all(axis=(1, 2)) & (sd > 1e-12).all(axis=1)
    S[~usable] = prep.S  # a stand-in keeps the batch solvable; those resamples are dropped below
    with np.errstate(invalid="ignore", divide="ignore"):
        W, _, ok = fit_weights(S, lay, model)
        boot = _batch_estimates(S, W, lay)
    usable &= ok & np.all([np.isfinite(v.reshape(resamples, -1)).all(axis=1) for v in boot.values()], axis=0)
    if usable.sum() < 2:
        raise invalid("bootstrap_failed", "resamples: fewer than 2 resamples could be estimated", "resamples")
    direct = [(a, b) for a, b in lay.pairs if lay.pred[b, a]]
    endo = np.flatnonzero(lay.endogenous)

    def table(names: Sequence[str], key: str, idx: tuple[np.ndarray, ...]) -> BootTable:
        samples = boot[key][usable][(slice(None), *idx)]
        lo, hi = np.quantile(samples, [(1 - level) / 2, (1 + level) / 2], axis=0)  # R's type 7, as plspm
        return BootTable(tuple(names), original[key][0][idx], samples, samples.mean(axis=0),
                         samples.std(axis=0, ddof=1), lo, hi)

    def arrow(pairs: Sequence[tuple[int, int]]) -> list[str]:
        return [f"{lay.lvs[a]} -> {lay.lvs[b]}" for a, b in pairs]

    def cells(pairs: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        return np.array([b for _, b in pairs], int), np.array([a for a, _ in pairs], int)

    return BootstrapResult(
        resamples=resamples, used=int(usable.sum()), seed=seed, level=level,
        paths=table(arrow(direct), "paths", cells(direct)),
        weights=table(lay.items, "weights", (np.arange(len(lay.items)),)),
        loadings=table(lay.items, "loadings", (np.arange(len(lay.items)),)),
        r_squared=table([lay.lvs[k] for k in endo], "r_squared", (endo,)),
        total_effects=table(arrow(lay.pairs), "total_effects", cells(list(lay.pairs))))

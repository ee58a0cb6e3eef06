"""The PLS engine behind shopcx.surveys.models.pls: layout, covariance-based outer iteration, inner regressions.

Functions work on a stack of covariance matrices (B, p, p) so that one call serves the estimate (B = 1) and all
bootstrap resamples at once. See pls.py for the sources.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from shopcx.surveys.models.pls_spec import PathModel, invalid, validate_spec

# ------------------------------------------------------------------------------------------------ the layout


@dataclass(frozen=True)
class Layout:
    """Blocks in topological order (ties kept in the spec's order) and the matrices the algorithm uses."""

    lvs: tuple[str, ...]
    items: tuple[str, ...]
    block_of: np.ndarray          # (p,) index of each item's latent variable
    odm: np.ndarray               # (p, L) outer design matrix, 1 where the item belongs to the block
    pred: np.ndarray              # (L, L) bool, pred[to, from]: R plspm's path matrix
    modes: tuple[str, ...]
    slices: tuple[np.ndarray, ...]  # item indices per block
    pairs: tuple[tuple[int, int], ...]  # (from, to) for which `from` reaches `to`, in R plspm's effects order

    @property
    def endogenous(self) -> np.ndarray:
        return self.pred.any(axis=1)


def layout(model: PathModel) -> Layout:
    """Order the blocks topologically (Kahn's algorithm, ties in the spec's order) and build the matrices."""
    names = list(model.blocks)
    rank = {n: i for i, n in enumerate(names)}
    indeg = dict.fromkeys(names, 0)
    for _, b in model.paths:
        indeg[b] += 1
    ready = [rank[n] for n in names if indeg[n] == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        n = names[heapq.heappop(ready)]
        order.append(n)
        for a, b in model.paths:
            if a == n:
                indeg[b] -= 1
                if indeg[b] == 0:
                    heapq.heappush(ready, rank[b])
    pos = {n: i for i, n in enumerate(order)}
    L = len(order)
    pred = np.zeros((L, L), bool)
    for a, b in model.paths:
        pred[pos[b], pos[a]] = True
    items, block_of, slices = [], [], []
    for j, n in enumerate(order):
        slices.append(np.arange(len(items), len(items) + len(model.blocks[n].items)))
        items += model.blocks[n].items
        block_of += [j] * len(model.blocks[n].items)
    odm = np.zeros((len(items), L))
    odm[np.arange(len(items)), block_of] = 1.0
    reach = pred.T.copy()  # reach[a, b]: a path leads from a to b
    for k in range(L):  # Warshall's transitive closure
        reach |= reach[:, [k]] & reach[[k], :]
    pairs = tuple((a, b) for a in range(L) for b in range(L) if reach[a, b])
    return Layout(tuple(order), tuple(items), np.array(block_of), odm, pred,
                   tuple(model.blocks[n].mode for n in order), tuple(slices), pairs)


# -------------------------------------------------------------------------------------------- the algorithm


def inner_weights(R: np.ndarray, pred: np.ndarray, scheme: str) -> np.ndarray:
    """Inner weights e_jk from the correlations R (B, L, L) of the outer estimates (Lohmöller 1989)."""
    adj = (pred | pred.T).astype(float)
    if scheme == "centroid":
        return np.sign(R) * adj
    if scheme == "factorial":
        return R * adj
    # path weighting: predecessors by their multiple-regression coefficients, successors by their correlations
    E = np.zeros_like(R)
    for k in range(R.shape[1]):
        pre = np.flatnonzero(pred[k])
        if pre.size:
            E[:, pre, k] = np.linalg.solve(R[:, pre[:, None], pre], R[:, pre, k][..., None])[..., 0]
        suc = np.flatnonzero(pred[:, k])
        if suc.size:
            E[:, suc, k] = R[:, suc, k]
    return E


def outer_weights(S: np.ndarray, lay: Layout, model: PathModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outer weights (B, p, L) giving unit-variance scores, iterations and convergence, for a stack of S."""
    odm = lay.odm
    W = odm / np.sqrt(np.einsum("bpq,pl,ql->bl", S, odm, odm))[:, None, :]
    w_old = W.sum(axis=2)
    nb = S.shape[0]
    active = np.ones(nb, bool)
    iters = np.zeros(nb, int)
    with np.errstate(invalid="ignore", divide="ignore"):
        for it in range(1, model.max_iterations + 1):
            C = S @ W
            d = 1.0 / np.sqrt(np.einsum("bpl,bpl->bl", W, C))
            V = np.einsum("bpl,bpm->blm", W, C)
            E = inner_weights(V * d[:, :, None] * d[:, None, :], lay.pred, model.scheme)
            G = (C * d[:, None, :]) @ E  # cov(x, z) for the inner estimates z = Y E
            new = G * odm  # Mode A: w_j = cov(X_j, z_j)
            for j, idx in enumerate(lay.slices):
                if lay.modes[j] == "B":  # w_j = (X_jᵀX_j)⁻¹ X_jᵀ z_j
                    new[:, idx, j] = np.linalg.solve(S[:, idx[:, None], idx], G[:, idx, j][..., None])[..., 0]
            w_new = new.sum(axis=2)
            dif = ((np.abs(w_old) - np.abs(w_new)) ** 2).sum(axis=1)  # R plspm's stopping rule, exactly
            W[active] = new[active]
            iters[active] = it
            active &= ~(dif < model.tolerance)
            if not active.any():
                break
            w_old = w_new
        W = W / np.sqrt(np.einsum("bpl,bpq,bql->bl", W, S, W))[:, None, :]
    return W, iters, ~active


def orient(S: np.ndarray, W: np.ndarray, lay: Layout) -> np.ndarray:
    """Flip a latent variable whose items mostly load negatively on it, as plspm does (scores are sign-free)."""
    load = (S @ W) / np.sqrt(np.diagonal(S, axis1=1, axis2=2))[..., None]
    votes = np.einsum("bpl,pl->bl", np.sign(load), lay.odm)
    return W * np.where(votes < 0, -1.0, 1.0)[:, None, :]


def inner_fit(RY: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """OLS of each endogenous score on its predecessors: path matrix B[to, from], R², (R_pp)⁻¹ diagonals."""
    nb, L, _ = RY.shape
    paths = np.zeros((nb, L, L))
    r2 = np.zeros((nb, L))
    inv_diag: list[np.ndarray] = [np.empty((nb, 0))] * L
    for k in range(L):
        pre = np.flatnonzero(pred[k])
        if not pre.size:
            continue
        Rpp = RY[:, pre[:, None], pre]
        beta = np.linalg.solve(Rpp, RY[:, pre, k][..., None])[..., 0]
        paths[:, k, pre] = beta
        r2[:, k] = (beta * RY[:, pre, k]).sum(axis=1) / RY[:, k, k]
        inv_diag[k] = np.diagonal(np.linalg.inv(Rpp), axis1=1, axis2=2)
    return paths, r2, inv_diag


def total_effects(paths: np.ndarray) -> np.ndarray:
    """Total effects Σ_k Bᵏ = (I − B)⁻¹ − I of the recursive path matrix B (Lohmöller 1989)."""
    eye = np.eye(paths.shape[1])
    return np.linalg.inv(eye - paths) - eye


# ------------------------------------------------------------------------------------------------- the data


def _is_table(data: Any) -> bool:
    """A mapping of columns, or a data frame (pandas, Polars) that hands out columns by name."""
    return isinstance(data, Mapping) or (hasattr(data, "columns") and not isinstance(data, np.ndarray))


def item_matrix(data: Any, items: Sequence[str], columns: Sequence[str] | None) -> np.ndarray:
    """The (n, p) float matrix of `items` from a mapping of columns or a 2-D array with named columns."""
    if _is_table(data):
        cols = []
        for item in items:
            try:
                cols.append(np.asarray(data[item], dtype=np.float64).ravel())
            except (TypeError, ValueError):
                raise invalid("not_numeric", f"{item}: the column holds values that are not numbers", item) from None
        if len({len(c) for c in cols}) > 1:
            raise invalid("invalid_data", "data: the columns have different lengths", "data")
        # (p, n) rows are filled contiguously; its transpose is the (n, p) view the algorithm reads column-wise
        return np.stack(cols).T
    try:
        arr = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise invalid("not_numeric", "data: the table holds values that are not numbers", "data") from None
    names = list(columns) if columns is not None else list(items)
    if arr.ndim != 2 or arr.shape[1] != len(names):
        raise invalid("invalid_data", f"data: expected a table of {len(names)} columns, got shape {arr.shape}", "data")
    where = {c: i for i, c in enumerate(names)}
    return arr.T[[where[i] for i in items]].T


def _spec_items(spec: Any) -> list[str]:
    """The items a spec lists, in its order, without validating it (that comes next)."""
    if isinstance(spec, PathModel):
        return [i for b in spec.blocks.values() for i in b.items]
    blocks = spec.get("blocks") if isinstance(spec, Mapping) else None
    out: list[str] = []
    for body in (blocks.values() if isinstance(blocks, Mapping) else []):
        items = body.get("items") if isinstance(body, Mapping) else body
        out += [i for i in (items if isinstance(items, list | tuple) else []) if isinstance(i, str)]
    return out


def columns_of(data: Any, columns: Sequence[str] | None, spec: Any) -> list[str]:
    """The column names of `data`; for a bare array without `columns`, the spec's items in their order."""
    if isinstance(data, Mapping):
        return list(data.keys())
    if _is_table(data):
        return [str(c) for c in data.columns]
    return list(columns) if columns is not None else _spec_items(spec)


@dataclass(frozen=True)
class Prepared:
    """Validated model, layout, data of the kept rows and their covariance matrix."""

    model: PathModel
    lay: Layout
    X: np.ndarray        # raw items of the kept rows, in layout order
    kept: np.ndarray     # bool per input row
    centred: np.ndarray  # X centred, and scaled when the model says so
    S: np.ndarray        # (p, p) population covariance of `centred`
    sd: np.ndarray       # population sd of the raw items


def prepare(data: Any, spec: Mapping | PathModel, columns: Sequence[str] | None, missing: str) -> Prepared:
    """Validate the spec against the data, refuse or drop incomplete rows, centre (and scale) and form S."""
    if missing not in ("refuse", "drop"):
        raise invalid("invalid_input", f"missing: {missing!r} is not one of refuse, drop", "missing")
    model = validate_spec(spec, columns_of(data, columns, spec))
    lay = layout(model)
    X = item_matrix(data, lay.items, columns)
    bad = ~np.isfinite(X)
    kept = ~bad.any(axis=1)
    if not kept.all():
        if missing == "refuse":
            col = int(np.flatnonzero(bad.any(axis=0))[0])
            rows = np.flatnonzero(bad[:, col])
            first = ", ".join(str(r + 1) for r in rows[:5]) + (", …" if len(rows) > 5 else "")
            raise invalid("missing_values", f"{lay.items[col]}: {len(rows)} missing or non-finite values (rows "
                                            f"{first}); fill them in or drop incomplete rows", lay.items[col])
        X = X[kept]
    n = X.shape[0]
    need = max([int(lay.pred[k].sum()) + 2 for k in range(len(lay.lvs))]
               + [len(s) + 1 for s, m in zip(lay.slices, lay.modes, strict=True) if m == "B"] + [3])
    if n < need:
        raise invalid("too_few_rows", f"data: {n} complete rows; this model needs at least {need}", "data")
    mean = X.mean(axis=0)
    centred = X - mean
    S = centred.T @ centred / n
    sd = np.sqrt(np.diag(S))
    if (flat := np.flatnonzero(sd <= 1e-12 * np.maximum(np.abs(mean), 1.0))).size:
        item = lay.items[int(flat[0])]
        raise invalid("constant_item", f"{item}: every answer is the same, so it carries no information", item)
    if model.scaled:
        centred = centred / sd
        S = S / np.outer(sd, sd)
    for j, idx in enumerate(lay.slices):
        if lay.modes[j] == "B" and np.linalg.matrix_rank(S[np.ix_(idx, idx)]) < len(idx):
            name = lay.lvs[j]
            raise invalid("singular_block", f"blocks.{name}: the items of Mode B block {name} are collinear, so their "
                                            "regression has no unique solution", f"blocks.{name}")
    return Prepared(model, lay, X, kept, centred, S, sd)


def fit_weights(S: np.ndarray, lay: Layout, model: PathModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outer weights (B, p, L), oriented, with iteration counts and convergence flags."""
    W, iters, ok = outer_weights(S, lay, model)
    return orient(S, W, lay), iters, ok

"""The PLS path model's specification: blocks of items, paths between blocks, scheme, and its validation.

`validate_spec` reads the JSON form used by the API, CLI and pages and refuses a bad model with an InvalidInput
that names the block, path or column (see shopcx.surveys.models.pls for the estimation).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from shopcx.core.errors import InvalidInput

SCHEMES = ("centroid", "factorial", "path")
MODES = ("A", "B")
_SPEC_KEYS = ("blocks", "paths", "scheme", "scaled", "index", "scale", "tolerance", "max_iterations")


class Block(NamedTuple):
    """A block of items measuring one latent variable: Mode A (reflective) or B (formative)."""

    items: tuple[str, ...]
    mode: str = "A"


@dataclass(frozen=True)
class PathModel:
    """A validated path model: blocks in the order given, paths (from, to), scheme and iteration settings."""

    blocks: Mapping[str, Block]
    paths: tuple[tuple[str, str], ...]
    scheme: str = "centroid"
    scaled: bool = True  # R plspm's default; the ECSI reference results are unscaled
    tolerance: float = 1e-6
    max_iterations: int = 100
    index: str | None = None
    scale: tuple[float, float] | None = None  # answer scale [min, max] of the index block's items

    def to_dict(self) -> dict:
        """The JSON form that `validate_spec` reads."""
        out = {"blocks": {k: {"items": list(b.items), "mode": b.mode} for k, b in self.blocks.items()},
               "paths": [list(p) for p in self.paths], "scheme": self.scheme, "scaled": self.scaled,
               "tolerance": self.tolerance, "max_iterations": self.max_iterations}
        if self.index is not None:
            out["index"] = self.index
        if self.scale is not None:
            out["scale"] = list(self.scale)
        return out


def invalid(code: str, message: str, field: str) -> InvalidInput:
    """An InvalidInput for the field (a block, path, column or setting) that is wrong."""
    return InvalidInput(code, message, field=field)


def _find_cycle(names: Sequence[str], edges: Iterable[tuple[str, str]]) -> list[str]:
    """One directed cycle as [a, b, …, a], found by depth-first search (empty if the graph is acyclic)."""
    succ: dict[str, list[str]] = {n: [] for n in names}
    for a, b in edges:
        succ[a].append(b)
    colour = dict.fromkeys(names, 0)
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        colour[node] = 1
        stack.append(node)
        for nxt in succ[node]:
            if colour[nxt] == 1:
                return stack[stack.index(nxt):] + [nxt]
            if colour[nxt] == 0 and (found := visit(nxt)):
                return found
        colour[node] = 2
        stack.pop()
        return []

    for n in names:
        if colour[n] == 0 and (found := visit(n)):
            return found
    return []


def _number(value: Any, what: str, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise invalid("invalid_spec", f"{what}: expected a number, got {value!r}", what)
    if positive and value <= 0:
        raise invalid("invalid_spec", f"{what}: must be greater than 0", what)
    return float(value)


def _parse_blocks(raw: Any, known: set[str]) -> dict[str, Block]:
    if not isinstance(raw, Mapping) or not raw:
        raise invalid("invalid_spec", 'blocks: expected an object {name: {"items": [...], "mode": "A"}}', "blocks")
    blocks: dict[str, Block] = {}
    owner: dict[str, str] = {}
    for name, body in raw.items():
        where = f"blocks.{name}"
        if not isinstance(name, str) or not name.strip():
            raise invalid("invalid_spec", f"blocks: {name!r} is not a block name", "blocks")
        if isinstance(body, list):
            body = {"items": body}
        if not isinstance(body, Mapping):
            raise invalid("invalid_spec", f"{where}: expected {{\"items\": [...], \"mode\": \"A\"}}", where)
        if extra := sorted(set(body) - {"items", "mode"}):
            raise invalid("invalid_spec", f"{where}: unknown setting '{extra[0]}' (known: items, mode)", where)
        items = body.get("items")
        if not items:
            raise invalid("empty_block", f"{where}.items: block {name} has no items", f"{where}.items")
        if not isinstance(items, list | tuple):
            raise invalid("invalid_spec", f"{where}.items: expected a list of column names", f"{where}.items")
        for item in items:
            if not isinstance(item, str):
                raise invalid("invalid_spec", f"{where}.items: {item!r} is not a column name", f"{where}.items")
            if item not in known:
                raise invalid("unknown_column", f"{where}.items: column '{item}' of block {name} is not in the data",
                              f"{where}.items")
            if item in owner:
                other = owner[item]
                text = f"listed twice in block {name}" if other == name else f"in both blocks {other} and {name}"
                raise invalid("duplicate_item", f"{where}.items: column '{item}' is {text}", f"{where}.items")
            owner[item] = name
        mode = body.get("mode", "A")
        if not isinstance(mode, str) or mode.upper() not in MODES:
            raise invalid("invalid_mode", f"{where}.mode: {mode!r} is not a mode of block {name} "
                                          "(A = reflective, B = formative)", f"{where}.mode")
        blocks[name] = Block(tuple(items), mode.upper())
    return blocks


def _parse_paths(raw: Any, blocks: Mapping[str, Block]) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list | tuple) or not raw:
        raise invalid("invalid_spec", "paths: expected a list of [from, to] pairs of block names", "paths")
    paths: list[tuple[str, str]] = []
    for i, pair in enumerate(raw):
        where = f"paths[{i}]"
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise invalid("invalid_spec", f"{where}: expected [from, to], got {pair!r}", where)
        for end in pair:
            if not isinstance(end, str) or end not in blocks:
                raise invalid("unknown_block", f"{where}: {end!r} is not a block (blocks: {', '.join(blocks)})", where)
        a, b = pair
        if a == b:
            raise invalid("path_cycle", f"{where}: block {a} cannot point to itself", where)
        if (a, b) in paths:
            raise invalid("invalid_spec", f"{where}: the path {a} → {b} is listed twice", where)
        paths.append((a, b))
    linked = {x for p in paths for x in p}
    for name in blocks:
        if name not in linked:
            raise invalid("unknown_block", f"blocks.{name}: block {name} is in no path", f"blocks.{name}")
    if cycle := _find_cycle(list(blocks), paths):
        raise invalid("path_cycle", f"paths: the paths form a cycle {' → '.join(cycle)}", "paths")
    return tuple(paths)


def validate_spec(spec: Mapping[str, Any] | PathModel, columns: Iterable[str]) -> PathModel:
    """Turn the JSON form of a model into a PathModel, or raise InvalidInput naming the block or column."""
    if isinstance(spec, PathModel):
        spec = spec.to_dict()
    if not isinstance(spec, Mapping):
        raise invalid("invalid_spec", "spec: expected an object with 'blocks' and 'paths'", "spec")
    if extra := sorted(set(spec) - set(_SPEC_KEYS)):
        raise invalid("invalid_spec", f"{extra[0]}: unknown setting (known: {', '.join(_SPEC_KEYS)})", extra[0])
    blocks = _parse_blocks(spec.get("blocks"), set(columns))
    paths = _parse_paths(spec.get("paths"), blocks)
    scheme = spec.get("scheme", "centroid")
    if not isinstance(scheme, str) or scheme.lower() not in SCHEMES:
        raise invalid("invalid_scheme", f"scheme: {scheme!r} is not one of {', '.join(SCHEMES)}", "scheme")
    scaled = spec.get("scaled", True)
    if not isinstance(scaled, bool):
        raise invalid("invalid_spec", f"scaled: expected true or false, got {scaled!r}", "scaled")
    index = spec.get("index")
    if index is not None and index not in blocks:
        raise invalid("invalid_index", f"index: {index!r} is not a block (blocks: {', '.join(blocks)})", "index")
    scale = spec.get("scale")
    if scale is not None:
        scale = parse_scale(scale, "scale")
    tolerance = _number(spec.get("tolerance", 1e-6), "tolerance", positive=True)
    iters = spec.get("max_iterations", 100)
    if isinstance(iters, bool) or not isinstance(iters, int) or iters < 1:
        raise invalid("invalid_spec", f"max_iterations: expected a whole number ≥ 1, got {iters!r}", "max_iterations")
    return PathModel(blocks, paths, scheme.lower(), scaled, tolerance, iters, index, scale)


def parse_scale(scale: Any, where: str) -> tuple[float, float]:
    if not isinstance(scale, list | tuple) or len(scale) != 2:
        raise invalid("invalid_spec", f"{where}: expected [min, max] of the answer scale, e.g. [1, 10]", where)
    lo, hi = (_number(v, where) for v in scale)
    if lo >= hi:
        raise invalid("invalid_spec", f"{where}: min {lo:g} must be below max {hi:g}", where)
    return lo, hi

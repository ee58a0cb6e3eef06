"""Character n-grams of many texts at once, as NumPy arrays, for the trainable polarity model.

Each normalised text becomes its code points; code points above the Basic Multilingual Plane (emoji) are folded
into the private-use range so every character fits in 16 bits. An n-gram (n ≤ 4) is then its characters written
as base-65536 digits in one uint64: exact, no hashing, no collisions, and n-grams of different lengths never
share a key because no character is 0 (0 separates the texts). Working on whole batches keeps Python out of the
inner loop, which is what lets a trained model classify tens of thousands of reviews a second on one core.
"""

from __future__ import annotations

import numpy as np

from .tokenize import normalize

MAX_N = 4
_SEPARATOR = "\x00"


def _codes(texts: list[str]) -> np.ndarray:
    """The code points of the normalised texts, separated (and ended) by 0, as uint64."""
    joined = _SEPARATOR.join(normalize(text) for text in texts) + _SEPARATOR
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    wide = codes >= 0x10000
    if wide.any():
        codes[wide] = 0xE000 + (codes[wide] & 0x0FFF)
    return codes


def ngram_keys(texts: list[str], min_n: int = 1, max_n: int = MAX_N) -> tuple[np.ndarray, np.ndarray]:
    """(keys, doc) for every character n-gram of every text: uint64 key and the index of its text."""
    if not 1 <= min_n <= max_n <= MAX_N:
        raise ValueError(f"n-gram lengths must lie within 1..{MAX_N}")
    codes = _codes(texts)
    doc = np.cumsum(codes == 0) - (codes == 0)  # text index of each position (separator belongs to its text)
    keys_out, docs_out = [], []
    key = codes.copy()
    inside = codes != 0
    for n in range(1, max_n + 1):
        if n > 1:
            key = (key[:-1] << np.uint64(16)) | codes[n - 1:]
            inside = inside[:-1] & (codes[n - 1:] != 0)
        if n >= min_n:
            keys_out.append(key[inside])
            docs_out.append(doc[: len(key)][inside])
    return np.concatenate(keys_out), np.concatenate(docs_out).astype(np.int64)


def runs(sorted_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of a sorted array and how often each occurs (np.unique without the second sort)."""
    if len(sorted_values) == 0:
        return sorted_values, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], sorted_values[1:] != sorted_values[:-1])))
    counts = np.diff(np.append(starts, len(sorted_values)))
    return sorted_values[starts], counts


def document_frequencies(texts: list[str], chunk: int = 20000, max_n: int = MAX_N) -> tuple[np.ndarray, np.ndarray]:
    """Every n-gram key in the texts (sorted) and in how many texts it occurs; chunked to bound memory."""
    parts_keys, parts_df = [], []
    for start in range(0, len(texts), chunk):
        keys, doc = ngram_keys(texts[start:start + chunk], max_n=max_n)
        # One (doc, key) pair per occurrence: distinct pairs first, then count the documents per key.
        order = np.lexsort((doc, keys))
        keys, doc = keys[order], doc[order]
        first = np.concatenate(([True], (keys[1:] != keys[:-1]) | (doc[1:] != doc[:-1])))
        distinct, df = runs(keys[first])
        parts_keys.append(distinct)
        parts_df.append(df)
    if not parts_keys:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    # The same key from several chunks: sort them together and add their document counts.
    keys, dfs = np.concatenate(parts_keys), np.concatenate(parts_df)
    order = np.argsort(keys, kind="stable")
    keys, dfs = keys[order], dfs[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    return keys[starts], np.add.reduceat(dfs, starts)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: multiply, keep the top bits


class KeyIndex:
    """Position of each n-gram key in the vocabulary: an open-addressing hash table probed with NumPy.

    A binary search (np.searchsorted) costs ~20 scattered reads per lookup; the table needs one or two, which
    makes lookups several times faster on large batches. Key 0 never occurs, so it marks an empty slot.
    """

    def __init__(self, vocabulary: np.ndarray):
        self.size = len(vocabulary)
        self.bits = max(4, int(np.ceil(np.log2(max(self.size, 1) * 2.5))))
        self.shift = np.uint64(64 - self.bits)
        self.mask = np.int64((1 << self.bits) - 1)
        self.slot_keys = np.zeros(1 << self.bits, dtype=np.uint64)
        self.slot_index = np.full(1 << self.bits, -1, dtype=np.int64)
        pending = np.arange(self.size)
        slot = self._home(vocabulary)
        while len(pending):
            free = self.slot_keys[slot] == 0
            # Among keys wanting the same free slot in this round, the first takes it; the rest probe on.
            chosen, first = np.unique(slot[free], return_index=True)
            winners = pending[free][first]
            self.slot_keys[chosen] = vocabulary[winners]
            self.slot_index[chosen] = winners
            placed = np.zeros(len(pending), dtype=bool)
            placed[np.flatnonzero(free)[first]] = True
            pending, slot = pending[~placed], (slot[~placed] + 1) & self.mask

    def _home(self, keys: np.ndarray) -> np.ndarray:
        return ((keys * _GOLDEN) >> self.shift).astype(np.int64)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Vocabulary position of each key, or -1 for a key not in the vocabulary."""
        found = np.full(len(keys), -1, dtype=np.int64)
        if not self.size:
            return found
        active = np.arange(len(keys))
        slot = self._home(keys)
        while len(active):
            held = self.slot_keys[slot]
            hit = held == keys[active]
            found[active[hit]] = self.slot_index[slot[hit]]
            going = ~hit & (held != 0)
            active, slot = active[going], (slot[going] + 1) & self.mask
        return found


def counts(texts: list[str], index: KeyIndex, max_n: int = MAX_N) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(doc, feature, count) of the n-grams of the texts that the vocabulary index knows."""
    keys, doc = ngram_keys(texts, max_n=max_n)
    position = index.lookup(keys)
    known = position >= 0
    width = max(index.size, 1)
    distinct, how_many = runs(np.sort(doc[known] * width + position[known]))
    return distinct // width, distinct % width, how_many

"""SnowNLP's sentiment probability, computed the same way as `SnowNLP(text).sentiments` but for many texts at once.

SnowNLP (PyPI `snownlp`) segments a text with its character tagger, snownlp/seg/y09_2047.py: a second-order
generative model over the tags b/m/e/s, after "Which is more suitable for Chinese word segmentation, the
generative model or the discriminative one?" (PACLIC 2009, ACL Anthology Y09-2047). It then drops its stop words
and scores the words with a naive-Bayes classifier trained on shopping reviews (snownlp/classification/bayes.py):

    log-odds = log(T_pos / T_neg) + Σ_words [log(c_pos(w) / T_pos) − log(c_neg(w) / T_neg)]

with add-one counts c (1 for an unseen word) and T the class totals. SnowNLP runs the tagger's Viterbi search in
pure Python per character; here the same search runs in numpy over every Chinese run of a batch at once, with the
same transition probabilities, the same tie-breaking and the same quirk for characters the tagger has never seen
(they carry over the path that ends in tag s, not the best path). The counts are read from the installed snownlp
package's own data files on first use and cached; importing snownlp itself is avoided (it loads models we skip).
"""

from __future__ import annotations

import gzip
import importlib.util
import marshal
import math
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

# SnowNLP's idea of a Chinese character (snownlp/seg/__init__.py); other text is split on whitespace.
_ZH_RUN = re.compile("([\u4e00-\u9fa5]+)")
_FIRST = 0x4E00
_SPAN = 0x9FA5 - _FIRST + 2  # character ids: 0 is the begin-of-sentence marker, 1.. the characters
_TAG_ID = {"b": 0, "m": 1, "e": 2, "s": 3, "BOS": 0}  # BOS only ever goes with character id 0
_B, _E, _S = 0, 2, 3
CHUNK_CHARS = 20_000  # Chinese characters per numpy pass (it needs ~1 kB a character)

_lock = threading.Lock()


def _data_dir() -> Path:
    spec = importlib.util.find_spec("snownlp")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the snownlp package is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _read_marshal(path: Path) -> dict:
    # SnowNLP saves its models gzip-compressed under a ".3" suffix for Python 3 (and falls back to plain files).
    raw = path.read_bytes()
    return marshal.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)


@lru_cache(maxsize=1)
def _char_ids() -> dict[str, int]:
    ids = {chr(_FIRST + i): i + 1 for i in range(_SPAN - 1)}
    ids[""] = 0  # the begin-of-sentence marker
    return ids


@dataclass(frozen=True)
class _Sparse:
    """Values of a tag table keyed by a character n-gram id: sorted unique keys, offsets, then (slot, value)."""

    keys: np.ndarray
    starts: np.ndarray
    slots: np.ndarray
    values: np.ndarray

    @classmethod
    def build(cls, keys: list[int], slots: list[int], values: list[float]) -> _Sparse:
        key, slot = np.array(keys, dtype=np.int64), np.array(slots, dtype=np.int8)
        order = np.lexsort((slot, key))
        key = key[order]
        unique, starts = np.unique(key, return_index=True)
        return cls(unique, np.append(starts, len(key)), slot[order], np.array(values, dtype=np.float64)[order])

    def scatter(self, queries: np.ndarray, out: np.ndarray) -> None:
        """out[i, slot] = value for every entry stored under queries[i]."""
        at = np.searchsorted(self.keys, queries)
        hit = at < len(self.keys)
        hit[hit] = self.keys[at[hit]] == queries[hit]
        rows = np.flatnonzero(hit)
        begin, end = self.starts[at[rows]], self.starts[at[rows] + 1]
        counts = end - begin
        entry = np.repeat(begin - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        out[np.repeat(rows, counts), self.slots[entry]] = self.values[entry]


@dataclass(frozen=True)
class _Tagger:
    """The tagger's interpolated probabilities l1·P(t3) + l2·P(t3|t2) + l3·P(t3|t1,t2), split by n-gram order."""

    uni: np.ndarray  # [character id, tag] → l1·P
    known: np.ndarray  # [character id] → whether the tagger has seen the character
    bi: _Sparse  # key c2·SPAN + c3, slot t2·4 + t3
    tri: _Sparse  # key (c1·SPAN + c2)·SPAN + c3, slot t1·16 + t2·4 + t3


@dataclass(frozen=True)
class _Bayes:
    weights: dict[str, float]  # per word: log(c_pos/T_pos) − log(c_neg/T_neg); stop words 0
    unseen: float  # the same for a word neither class has seen
    prior: float  # log(T_pos / T_neg)


def _load_tagger(path: Path) -> _Tagger:
    data = _read_marshal(path)
    l1, l2, l3 = data["l1"], data["l2"], data["l3"]
    uni_counts, uni_total = data["uni"]["d"], data["uni"]["total"]
    bi_counts, tri_counts = data["bi"]["d"], data["tri"]["d"]
    ids, tag_id = _char_ids(), _TAG_ID
    # The same float operations, in the same order, as CharacterBasedGenerativeModel.log_prob. Entries with
    # characters outside SnowNLP's Chinese range are never asked for (the tagger only sees Chinese runs).
    uni = np.zeros((_SPAN, 4))
    for (char, tag), count in uni_counts.items():
        if ids.get(char):
            uni[ids[char], tag_id[tag]] = l1 * (float(count) / uni_total)
    known = (uni != 0).any(axis=1)
    keys, slots, values = [], [], []
    for (s2, s3), count in bi_counts.items():
        c2, c3 = ids.get(s2[0]), ids.get(s3[0])
        if c2 is not None and c3:
            keys.append(c2 * _SPAN + c3)
            slots.append(tag_id[s2[1]] * 4 + tag_id[s3[1]])
            values.append(float(l2 * count) / uni_counts[s2])
    bi = _Sparse.build(keys, slots, values)
    keys, slots, values = [], [], []
    for (s1, s2, s3), count in tri_counts.items():
        c1, c2, c3 = ids.get(s1[0]), ids.get(s2[0]), ids.get(s3[0])
        if c1 is not None and c2 is not None and c3:
            keys.append((c1 * _SPAN + c2) * _SPAN + c3)
            slots.append(tag_id[s1[1]] * 16 + tag_id[s2[1]] * 4 + tag_id[s3[1]])
            values.append(float(l3 * count) / bi_counts[(s1, s2)])
    return _Tagger(uni, known, bi, _Sparse.build(keys, slots, values))


def _load_bayes(path: Path, stop_words: frozenset[str]) -> _Bayes:
    data = _read_marshal(path)["d"]
    pos, neg = data["pos"], data["neg"]
    log_pos, log_neg = math.log(pos["total"]), math.log(neg["total"])
    weights = {word: (math.log(pos["d"].get(word, pos["none"])) - log_pos)
               - (math.log(neg["d"].get(word, neg["none"])) - log_neg)
               for word in pos["d"].keys() | neg["d"].keys()}
    weights.update(dict.fromkeys(stop_words, 0.0))
    return _Bayes(weights, (math.log(pos["none"]) - log_pos) - (math.log(neg["none"]) - log_neg),
                  log_pos - log_neg)


def _models() -> tuple[_Tagger, _Bayes]:
    with _lock:  # one thread loads, the others wait for it
        return _load_models()


@lru_cache(maxsize=1)
def _load_models() -> tuple[_Tagger, _Bayes]:
    root = _data_dir()
    stop_words = frozenset(line.strip() for line in
                           (root / "normal" / "stopwords.txt").read_text(encoding="utf-8").splitlines())
    return (_load_tagger(root / "seg" / "seg.marshal.3"),
            _load_bayes(root / "sentiment" / "sentiment.marshal.3", stop_words))


def _tag_runs(runs: list[str], tagger: _Tagger) -> np.ndarray:
    """Tag ids (b/m/e/s) of every character of the runs, concatenated: the tagger's Viterbi path per run."""
    codes = np.frombuffer("".join(runs).encode("utf-32-le"), dtype=np.uint32).astype(np.int64) - (_FIRST - 1)
    lengths = np.fromiter(map(len, runs), dtype=np.int64, count=len(runs))
    starts = np.cumsum(lengths) - lengths
    n = len(codes)
    index = np.arange(n)
    step = index - np.repeat(starts, lengths)  # position inside its run
    prev1 = np.where(step >= 1, np.roll(codes, 1), 0)
    prev2 = np.where(step >= 2, np.roll(codes, 2), 0)
    mixed = np.zeros((n, 64))
    tagger.tri.scatter((prev2 * _SPAN + prev1) * _SPAN + codes, mixed)
    bi = np.zeros((n, 16))
    tagger.bi.scatter(prev1 * _SPAN + codes, bi)
    logp = mixed.reshape(n, 4, 4, 4)
    # The first two characters have begin-of-sentence context (tag id 0): copy it to every context row.
    logp[step == 0] = logp[step == 0][:, :1, :1, :]
    logp[step == 1] = logp[step == 1][:, :1, :, :]
    bi = bi.reshape(n, 1, 4, 4)
    bi[step == 0] = bi[step == 0][:, :, :1, :]
    logp += tagger.uni[codes][:, None, None, :] + bi  # (uni + bi) + tri, the order of log_prob's sum
    with np.errstate(divide="ignore"):
        np.log(logp, out=logp)
    del mixed, bi
    known = tagger.known[codes]

    # Viterbi over (tag before, tag) states, all runs in step: runs sorted longest first, so the runs still
    # going at step i are a prefix (active[i] of them).
    order = np.argsort(-lengths, kind="stable")
    run_start, run_length = starts[order], lengths[order]
    active = np.searchsorted(-run_length, -np.arange(run_length[0] if len(runs) else 0), side="left")
    back = np.zeros((n, 4, 4), dtype=np.int8)
    score = np.zeros((len(runs), 4, 4))
    final = np.zeros((len(runs), 4, 4))
    for i, k in enumerate(active):
        at = run_start[:k] + i
        before_step = score[:k]
        options = before_step[:, :, :, None] + logp[at]  # [run, t1, t2, t3]
        best = options.argmax(axis=1)  # the first of equal scores, as SnowNLP's strict ">" keeps
        score = np.take_along_axis(options, best[:, None], axis=1)[:, 0]
        unseen = ~known[at]
        if unseen.any():
            # An unseen character takes, for each tag before it, the path through tag s two steps back: SnowNLP
            # overwrites the state with each predecessor in turn and s comes last.
            score[unseen] = before_step[unseen, _S, :, None]
            best[unseen] = _S
        back[at] = best
        ended = run_length[:k] == i + 1
        final[:k][ended] = score[ended]
    # The best final state in SnowNLP's state order (last tag first); argmax keeps the first of equal scores.
    flat = final.transpose(0, 2, 1).reshape(len(runs), 16).argmax(axis=1)
    last, before = flat // 4, flat % 4
    tags = np.zeros(n, dtype=np.int64)
    tag, tag_before = np.zeros(len(runs), dtype=np.int64), np.zeros(len(runs), dtype=np.int64)
    for i in range(len(active) - 1, -1, -1):
        k = active[i]
        at = run_start[:k] + i
        ending = run_length[:k] == i + 1
        tag[:k][ending], tag_before[:k][ending] = last[:k][ending], before[:k][ending]
        here, previous = tag[:k].copy(), tag_before[:k].copy()
        tags[at] = here
        tag[:k], tag_before[:k] = previous, back[at, previous, here]
    return tags


def _words_of_run(run: str, tags: np.ndarray) -> list[str]:
    """Seg.seg: a word ends after an e and before a b or s."""
    cuts = np.flatnonzero((tags == _B) | (tags == _S)).tolist()
    cuts += (np.flatnonzero(tags == _E) + 1).tolist()
    cuts = sorted({0, len(run), *cuts})
    return [run[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]


def segment_many(texts: list[str]) -> list[list[str]]:
    """SnowNLP's words of each text (snownlp.seg.seg): tagged Chinese runs, other text split on whitespace."""
    tagger = _models()[0]
    pieces = [[piece.strip() for piece in _ZH_RUN.split(text)] for text in texts]
    out: list[list[str]] = []
    for chunk in _chunks(pieces):
        runs = [piece for parts in chunk for piece in parts[1::2] if piece]
        tags = _tag_runs(runs, tagger) if runs else np.zeros(0, dtype=np.int64)
        at = 0
        for parts in chunk:
            words: list[str] = []
            for j, piece in enumerate(parts):
                if j % 2 == 0:
                    words.extend(piece.split())
                elif piece:
                    words.extend(_words_of_run(piece, tags[at:at + len(piece)]))
                    at += len(piece)
            out.append(words)
    return out


def _chunks(pieces: list[list[str]]):
    """The texts in groups of about CHUNK_CHARS Chinese characters."""
    begin, size = 0, 0
    for i, parts in enumerate(pieces):
        size += sum(len(piece) for piece in parts[1::2])
        if size >= CHUNK_CHARS:
            yield pieces[begin:i + 1]
            begin, size = i + 1, 0
    if begin < len(pieces):
        yield pieces[begin:]


def log_odds_many(texts: list[str]) -> list[float]:
    """The naive-Bayes log-odds behind SnowNLP(text).sentiments, for each text."""
    bayes = _models()[1]
    weights, unseen = bayes.weights, bayes.unseen
    return [bayes.prior + sum(weights.get(word, unseen) for word in words) for words in segment_many(texts)]


def sentiments(texts: list[str]) -> list[float]:
    """SnowNLP(text).sentiments for each text: P(positive) by SnowNLP's shopping-review model."""
    return [_sigmoid(z) for z in log_odds_many(texts)]


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))

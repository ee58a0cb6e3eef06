"""The questions document of a survey version, validated, and one buyer's answers checked against it.

A document is {"questions": [question, …]}; a question has a `key` (letters, digits, _), a `type`, a `text`
{"zh": …, "en": …} and, by type:
- rating: `scale` "1-5" | "1-7" | "1-10" | "0-10", `low` and `high` (the labelled ends, zh and en);
- single / multiple: `options` [{"key", "text"}] (multiple may set `max`);
- text: `max_length` (default 2000);
- servqual: `dimension` (reliability, assurance, tangibles, empathy, responsiveness); the buyer rates the
  expectation and the perception of the item on 1–7;
- matrix: `rows` [{"key", "text"}] rated on `scale` with `low` / `high`.
Any question may be `optional` and may have `show_if` {"question": an earlier key, "in": [values]}: it is asked
(and required) only when that earlier answer is one of the values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..core.errors import InvalidInput

TYPES = ("rating", "single", "multiple", "text", "servqual", "matrix")
SCALES = {"1-5": (1, 5), "1-7": (1, 7), "1-10": (1, 10), "0-10": (0, 10)}
DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
SERVQUAL_SCALE = (1, 7)
LANGS = ("zh", "en")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _bad(field: str, message: str) -> InvalidInput:
    return InvalidInput("invalid_question", f"{field}: {message}", field=field)


def _texts(value: Any, field: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or any(not isinstance(value.get(x), str) or not value[x].strip()
                                             for x in LANGS):
        raise _bad(field, "needs a text in zh and in en")
    return {x: value[x].strip() for x in LANGS}


def _choices(value: Any, field: str) -> list[dict]:
    if not isinstance(value, list) or not value:
        raise _bad(field, "needs at least one entry with a key and a zh/en text")
    out, seen = [], set()
    for i, entry in enumerate(value):
        where = f"{field}[{i}]"
        key = entry.get("key") if isinstance(entry, Mapping) else None
        if not isinstance(key, str) or not _KEY.match(key) or key in seen:
            raise _bad(where, f"key {key!r} must be a new lower-case name (letters, digits, _)")
        seen.add(key)
        out.append({"key": key, "text": _texts(entry.get("text"), f"{where}.text")})
    return out


def _show_values(target: Mapping, values: list, field: str) -> list:
    """A show-if's answers checked against the question they read: numbers on its scale, or its option keys."""
    if target["type"] == "rating":
        low, high = SCALES[target["scale"]]
        out = []
        for v in values:
            number = int(v) if isinstance(v, int) or (isinstance(v, str) and v.strip().lstrip("-").isdigit()) \
                else None
            if isinstance(v, bool) or number is None or not low <= number <= high:
                raise _bad(field, f"{v!r} is not an answer on {target['key']}'s scale {low}–{high}")
            out.append(number)
        return out
    keys = {o["key"] for o in target["options"]}
    for v in values:
        if v not in keys:
            raise _bad(field, f"{v!r} is not one of {target['key']}'s options ({', '.join(sorted(keys))})")
    return list(values)


def validate_questions(doc: Any) -> dict:
    """The document cleaned and complete, or InvalidInput naming the question and its field."""
    raw = doc.get("questions") if isinstance(doc, Mapping) else None
    if not isinstance(raw, list) or not raw:
        raise _bad("questions", "a survey needs at least one question")
    out: list[dict] = []
    types: dict[str, dict] = {}
    for i, q in enumerate(raw):
        where = f"questions[{i}]"
        if not isinstance(q, Mapping):
            raise _bad(where, "expected an object")
        key = q.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            raise _bad(f"{where}.key", f"{key!r} is not a key (lower-case letters, digits, _)")
        if key in types:
            raise _bad(f"{where}.key", f"the key {key} is used twice")
        where = f"questions.{key}"
        kind = q.get("type")
        if kind not in TYPES:
            raise _bad(f"{where}.type", f"{kind!r} is not one of {', '.join(TYPES)}")
        clean: dict[str, Any] = {"key": key, "type": kind, "text": _texts(q.get("text"), f"{where}.text"),
                                 "optional": bool(q.get("optional", False))}
        if kind in ("rating", "matrix"):
            if q.get("scale") not in SCALES:
                raise _bad(f"{where}.scale", f"{q.get('scale')!r} is not one of {', '.join(SCALES)}")
            clean["scale"] = q["scale"]
            clean["low"] = _texts(q.get("low"), f"{where}.low")
            clean["high"] = _texts(q.get("high"), f"{where}.high")
        if kind in ("single", "multiple"):
            clean["options"] = _choices(q.get("options"), f"{where}.options")
            if kind == "multiple" and q.get("max") is not None:
                if not isinstance(q["max"], int) or not 1 <= q["max"] <= len(clean["options"]):
                    raise _bad(f"{where}.max", "must be between 1 and the number of options")
                clean["max"] = q["max"]
        if kind == "matrix":
            clean["rows"] = _choices(q.get("rows"), f"{where}.rows")
        if kind == "text":
            limit = q.get("max_length", 2000)
            if not isinstance(limit, int) or not 1 <= limit <= 10000:
                raise _bad(f"{where}.max_length", "must be a whole number from 1 to 10000")
            clean["max_length"] = limit
        if kind == "servqual":
            if q.get("dimension") not in DIMENSIONS:
                raise _bad(f"{where}.dimension", f"{q.get('dimension')!r} is not one of {', '.join(DIMENSIONS)}")
            clean["dimension"] = q["dimension"]
        if (cond := q.get("show_if")) is not None:
            target = cond.get("question") if isinstance(cond, Mapping) else None
            values = cond.get("in") if isinstance(cond, Mapping) else None
            if target not in types or types[target]["type"] not in ("rating", "single", "multiple"):
                raise _bad(f"{where}.show_if", f"{target!r} is not an earlier rating or choice question")
            if not isinstance(values, list) or not values:
                raise _bad(f"{where}.show_if", "needs \"in\": the answers that show this question")
            clean["show_if"] = {"question": target, "in": _show_values(types[target], values, f"{where}.show_if")}
        types[key] = clean
        out.append(clean)
    return {"questions": out}


def shown(question: Mapping, answers: Mapping[str, Any]) -> bool:
    """Whether a question is asked, given the answers so far (show-if on a multiple choice: any chosen key)."""
    cond = question.get("show_if")
    if not cond:
        return True
    given = answers.get(cond["question"])
    if isinstance(given, list):
        return any(v in cond["in"] for v in given)
    return given is not None and given in cond["in"]


def _int_in(value: Any, lo: int, hi: int, field: str) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput("invalid_answer", f"{field}: {value!r} is not a whole number", field=field) from None
    if not lo <= number <= hi:
        raise InvalidInput("invalid_answer", f"{field}: {number} is outside {lo}–{hi}", field=field)
    return number


def parse_answers(doc: Mapping, form: Mapping[str, Any], *, complete: bool) -> dict[str, tuple[Any, float | None]]:
    """A buyer's form (field name → text, or list of texts for a multiple choice) as {key: (value, score)}.

    Fields: `<key>` for rating, single, multiple, text; `<key>.e` and `<key>.p` for a SERVQUAL pair; `<key>.<row>`
    for a matrix row. An unanswered question is left out; with `complete` a required shown question that is
    unanswered is refused naming it."""
    out: dict[str, tuple[Any, float | None]] = {}
    plain: dict[str, Any] = {}
    for q in doc["questions"]:
        key, kind = q["key"], q["type"]
        if not shown(q, plain):
            continue
        value: Any = None
        score: float | None = None
        if kind == "rating":
            if (raw := form.get(key)) not in (None, ""):
                value = _int_in(raw, *SCALES[q["scale"]], key)
                score = float(value)
        elif kind == "single":
            if (raw := form.get(key)) not in (None, ""):
                if raw not in {o["key"] for o in q["options"]}:
                    raise InvalidInput("invalid_answer", f"{key}: {raw!r} is not one of the choices", field=key)
                value = raw
        elif kind == "multiple":
            raw = form.get(key)
            chosen = [raw] if isinstance(raw, str) else list(raw or [])
            chosen = [c for c in chosen if c]
            if chosen:
                keys = {o["key"] for o in q["options"]}
                if any(c not in keys for c in chosen):
                    raise InvalidInput("invalid_answer", f"{key}: a choice is not one of the options", field=key)
                if q.get("max") and len(set(chosen)) > q["max"]:
                    raise InvalidInput("invalid_answer", f"{key}: choose at most {q['max']}", field=key)
                value = sorted(set(chosen), key=[o["key"] for o in q["options"]].index)
        elif kind == "text":
            if (raw := str(form.get(key) or "").strip()):
                if len(raw) > q["max_length"]:
                    raise InvalidInput("invalid_answer", f"{key}: longer than {q['max_length']} characters",
                                       field=key)
                value = raw
        elif kind == "servqual":
            e, p = form.get(f"{key}.e"), form.get(f"{key}.p")
            if e not in (None, "") or p not in (None, ""):
                if e in (None, "") or p in (None, ""):
                    if complete:
                        raise InvalidInput("answer_missing", f"{key}: rate both the expectation and the experience",
                                           field=key)
                else:
                    value = {"expectation": _int_in(e, *SERVQUAL_SCALE, f"{key}.e"),
                             "perception": _int_in(p, *SERVQUAL_SCALE, f"{key}.p")}
                    score = float(value["perception"] - value["expectation"])
        elif kind == "matrix":
            rows = {}
            for row in q["rows"]:
                if (raw := form.get(f"{key}.{row['key']}")) not in (None, ""):
                    rows[row["key"]] = _int_in(raw, *SCALES[q["scale"]], f"{key}.{row['key']}")
            if rows:
                if complete and len(rows) < len(q["rows"]) and not q["optional"]:
                    missing = next(r["key"] for r in q["rows"] if r["key"] not in rows)
                    raise InvalidInput("answer_missing", f"{key}.{missing}: this row needs an answer",
                                       field=f"{key}.{missing}")
                value = rows
                score = sum(rows.values()) / len(rows)
        if value is None:
            if complete and not q["optional"]:
                raise InvalidInput("answer_missing", f"{key}: this question needs an answer", field=key)
            continue
        out[key] = (value, score)
        plain[key] = value
    return out


def readable_answers(doc: Mapping, answers: Mapping[str, Any], locale: str) -> list[dict]:
    """A stored response as the buyer saw it, in the version's question order: [{"key", "text", "type", "value"}]
    where a choice's value is its option text (a list for a multiple choice), a matrix's a list of (row text,
    score), a SERVQUAL pair's {"expectation", "perception"}; answers to keys the version lacks come last as they are
    (kept, never dropped, so nothing the buyer said disappears from the customer page)."""
    out, seen = [], set()
    for q in doc["questions"]:
        key = q["key"]
        if key not in answers:
            continue
        seen.add(key)
        value = answers[key]
        labels = {o["key"]: o["text"][locale] for o in q.get("options", q.get("rows", []))}
        if q["type"] == "single":
            value = labels.get(value, value)
        elif q["type"] == "multiple":
            value = [labels.get(v, v) for v in value]
        elif q["type"] == "matrix" and isinstance(value, Mapping):
            value = [(labels.get(row, row), score) for row, score in value.items()]
        out.append({"key": key, "text": q["text"][locale], "type": q["type"], "value": value})
    out += [{"key": k, "text": k, "type": "other", "value": v} for k, v in answers.items() if k not in seen]
    return out

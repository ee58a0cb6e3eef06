"""Training the review polarity model (CLI and web share it) and the state of the one text job that may run.

`train_from_rows` holds a tenth of each class out to measure accuracy, then refits on every row and saves the
model; `train_from_shop` first reads the shop's stored reviews. Both report their stage ("reading",
"held-out check", "training", "saving", "done") to an optional callback.

Training and re-analysing stored reviews are long and touch the one shared model, so one such job runs at a
time. Its state lives in a small JSON file next to the model (written whole, then renamed), so every web worker
and the CLI read the same state; a job whose process has died reads as interrupted, not as running forever.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from ...core import clock
from ...core.errors import Conflict, InvalidInput
from .csvdata import Labelled
from .model import DEFAULT_C, stratified_holdout, train

HOLDOUT_SHARE = 0.1
# A running job reports at every stage and batch; this long without a report, it is taken as interrupted.
STALE_AFTER = timedelta(hours=2)
STAGES = ("reading", "held-out check", "training", "saving", "done")
KINDS = ("train", "reanalyze")

Stage = Callable[[str], None]


class TrainingError(InvalidInput):
    """Training cannot start or finish: no usable rows, or one class missing."""


@dataclass(frozen=True)
class TrainingResult:
    """What a training run used, left out and measured, and where the model went."""

    source: str
    rows_read: int
    rows: int
    positive: int
    negative: int
    scheme: str
    skipped: dict[str, int]
    holdout_rows: int
    accuracy: float | None
    categories: dict[str, int]
    features: int
    path: Path
    seconds: float

    def as_dict(self) -> dict:
        return {"source": self.source, "rows_read": self.rows_read, "rows": self.rows, "positive": self.positive,
                "negative": self.negative, "skipped": self.skipped, "holdout_rows": self.holdout_rows,
                "holdout_accuracy": self.accuracy, "categories": self.categories, "features": self.features,
                "path": str(self.path), "seconds": round(self.seconds, 2)}


def _quiet(stage: str) -> None:
    return None


def train_from_rows(rows: Labelled, *, source: str, rows_read: int | None = None, model_path: Path | None = None,
                    c: float = DEFAULT_C, on_stage: Stage | None = None, option: str = "--input",
                    started: float | None = None) -> TrainingResult:
    """Measure held-out accuracy on a stratified tenth, refit on all rows, save; option names the input in errors."""
    from . import default_model_path

    stage = on_stage or _quiet
    started = time.perf_counter() if started is None else started
    if len(set(rows.labels)) < 2:
        skipped = ", ".join(f"{count:,} {reason}" for reason, count in rows.skipped.items()) or "none"
        raise TrainingError("no_usable_rows", f"{option}: no usable rows: training needs positive and negative "
                            f"reviews with text ({len(rows.labels):,} usable; skipped: {skipped})",
                            field=option.lstrip("-"))
    categories = rows.categories
    fit_rows, held_rows = stratified_holdout(rows.labels, HOLDOUT_SHARE)
    accuracy = None
    if held_rows:
        stage("held-out check")
        trial = train([rows.texts[i] for i in fit_rows], [rows.labels[i] for i in fit_rows], c=c,
                      categories=[categories[i] for i in fit_rows] if categories is not None else None)
        guessed = trial.predict_proba([rows.texts[i] for i in held_rows],
                                      [categories[i] for i in held_rows] if categories is not None else None) >= 0.5
        accuracy = float(sum(bool(g) == (rows.labels[i] == 1) for g, i in zip(guessed, held_rows, strict=True))
                         / len(held_rows))
    stage("training")
    model = train(rows.texts, rows.labels, c=c, categories=categories, info={
        "source": source, "label_scheme": rows.scheme, "skipped": rows.skipped,
        "holdout_rows": len(held_rows), "holdout_accuracy": accuracy})
    stage("saving")
    path = model.save(model_path or default_model_path())
    positive = sum(rows.labels)
    result = TrainingResult(
        source=source, rows_read=rows_read if rows_read is not None else len(rows.labels) + sum(rows.skipped.values()),
        rows=len(rows.labels), positive=positive, negative=len(rows.labels) - positive, scheme=rows.scheme,
        skipped=dict(rows.skipped), holdout_rows=len(held_rows), accuracy=accuracy,
        categories=dict(model.info["category_rows"]), features=int(model.info["features"]), path=path,
        seconds=time.perf_counter() - started)
    stage("done")
    return result


def stored_labelled(shop_code: str) -> tuple[Labelled, str]:
    """Labelled rows from the shop's stored reviews (stars or 好评/差评), with their products' categories."""
    from ...core import db
    from ...shops import service as shops
    from ..repository import training_rows
    from .csvdata import stored_rows

    with db.session_scope() as session:
        shop = shops.get_shop(session, shop_code)
        return stored_rows(training_rows(session, shop.id)), shop.code


def train_from_shop(shop_code: str, *, model_path: Path | None = None, c: float = DEFAULT_C,
                    on_stage: Stage | None = None) -> TrainingResult:
    """Read the shop's stored reviews and train on them (the database must be configured)."""
    started = time.perf_counter()
    (on_stage or _quiet)("reading")
    rows, code = stored_labelled(shop_code)
    return train_from_rows(rows, source=f"shop {code}", model_path=model_path, c=c, on_stage=on_stage,
                           option="--shop", started=started)


# --- the state of the one text job -------------------------------------------------------------------------

_lock = threading.Lock()


def status_path(model_path: Path | None = None) -> Path:
    """The status file next to the model: review_polarity.npz → review_polarity.status.json."""
    from . import default_model_path

    path = Path(model_path or default_model_path())
    return path.with_name(f"{path.stem}.status.json")


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold this process's lock and, where the OS has one, a file lock, while a state is read and rewritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, open(path.with_name(path.name + ".lock"), "a") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: the in-process lock alone
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _alive(state: dict) -> bool:
    if state.get("host") != socket.gethostname():
        return True  # another machine's process: trust the file
    try:
        pid = int(state.get("pid") or 0)
        if pid <= 0:
            return False
        os.kill(pid, 0)
    except (ProcessLookupError, ValueError, TypeError):
        return False
    except PermissionError:
        return True
    return True


def _stale(state: dict) -> bool:
    """No word from a running job for STALE_AFTER: its work never started or hangs (a live web process, say)."""
    try:
        last = datetime.fromisoformat(state.get("updated_at") or state.get("started_at") or "")
    except (TypeError, ValueError):
        return True
    return clock.now() - last > STALE_AFTER


def _read(path: Path) -> dict | None:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return None  # a damaged status file only loses the last job's report
    return state if isinstance(state, dict) else None


def _write(path: Path, state: dict) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


@dataclass(frozen=True)
class JobState:
    """The last (or the running) text job: kind, stage, progress, timestamps (UTC ISO), error, result."""

    kind: str
    stage: str
    status: str  # running | done | failed | interrupted
    started_at: str | None = None
    finished_at: str | None = None
    shop: str | None = None
    started_by: str | None = None
    done: int = 0
    total: int = 0
    error: str | None = None
    result: dict = field(default_factory=dict)


def read_status(path: Path | None = None) -> JobState | None:
    """The text job's state, or None when none has run; a job whose process died reads as interrupted."""
    state = _read(path or status_path())
    if state is None or state.get("kind") not in KINDS:
        return None
    if state.get("finished_at"):
        status = "failed" if state.get("error") else "done"
    else:
        status = "running" if _alive(state) and not _stale(state) else "interrupted"
    return JobState(kind=state["kind"], stage=str(state.get("stage") or ""), status=status,
                    started_at=state.get("started_at"), finished_at=state.get("finished_at"),
                    shop=state.get("shop"), started_by=state.get("started_by"), done=int(state.get("done") or 0),
                    total=int(state.get("total") or 0), error=state.get("error"), result=state.get("result") or {})


def claim(kind: str, *, shop: str | None = None, started_by: str | None = None, path: Path | None = None) -> None:
    """Record that a job of kind starts now in this process; refused while another one runs."""
    if kind not in KINDS:
        raise ValueError(kind)
    path = path or status_path()
    with _exclusive(path):
        current = read_status(path)
        if current is not None and current.status == "running":
            raise Conflict("text_job_running", f"text analysis: a {current.kind} job started at "
                           f"{current.started_at} is still running ({current.stage}); wait until it has finished",
                           field="text")
        _write(path, {"kind": kind, "stage": "starting", "shop": shop, "started_by": started_by,
                      "started_at": clock.now().isoformat(), "finished_at": None, "done": 0, "total": 0,
                      "error": None, "result": {}, "pid": os.getpid(), "host": socket.gethostname(),
                      "updated_at": clock.now().isoformat()})


def update_status(path: Path | None = None, **changes) -> None:
    """Change fields of the running job's state (stage, done, total…)."""
    path = path or status_path()
    with _exclusive(path):
        state = _read(path) or {}
        _write(path, state | changes | {"updated_at": clock.now().isoformat()})


def finish_status(*, error: str | None = None, result: dict | None = None, path: Path | None = None) -> None:
    """Mark the job finished (failed when error is given), with its result."""
    changes = {"finished_at": clock.now().isoformat(), "error": error, "stage": "failed" if error else "done"}
    update_status(path, **changes, **({"result": result} if result is not None else {}))

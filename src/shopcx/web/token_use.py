"""An API token's last-used stamp, written after the response and at most once a while per token.

Stamping `last_used_at` inside the request made every read a write: on SQLite a GET's read transaction then had
to upgrade to a write and failed at once ("database is locked") whenever another writer had committed meanwhile.
The stamp is noted in memory instead, and a token's latest use is written in its own short transaction after the
response, at most once every `token_stamp_seconds` per token (per process); a failed stamp is dropped (the next
use writes it).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime

from fastapi import BackgroundTasks

from ..core import clock, db, security
from ..core.settings import get_settings

log = logging.getLogger("shopcx.web")

_lock = threading.Lock()
_pending: dict[str, datetime] = {}  # token hash -> latest use not yet written
_written: dict[str, float] = {}  # token hash -> monotonic time its stamp was last written


def note(raw_token: str, background: BackgroundTasks | None = None) -> bool:
    """Remember that the token was used now; schedule a write when its stamp is due. Returns whether it is."""
    key = security.sha256_hex(raw_token)
    now = time.monotonic()
    with _lock:
        _pending[key] = clock.now()
        last = _written.get(key)
        due = last is None or now - last >= get_settings().token_stamp_seconds
        if due:
            _written[key] = now
    if due and background is not None:
        background.add_task(flush)
    return due


def flush() -> int:
    """Write every pending stamp in one short transaction; returns how many. Never raises."""
    from ..staff import service as staff

    with _lock:
        stamps = dict(_pending)
        _pending.clear()
    if not stamps:
        return 0
    try:
        with db.session_scope(write=True) as session:
            staff.record_token_use(session, stamps)
    except Exception as exc:  # a last-used stamp is not worth a failed request or a retry loop
        log.info("token last-used stamps not written: %s", str(exc).splitlines()[0] if str(exc) else exc)
        return 0
    return len(stamps)


def forget() -> None:
    """Drop what is noted (tests)."""
    with _lock:
        _pending.clear()
        _written.clear()

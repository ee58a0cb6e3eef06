"""Why a message was not sent, or not yet, in the reader's words (zh or en) instead of the code stored with it.

A stored reason is a code ("no_consent", "quiet_hours"), a code with a detail after a colon ("connection:
TimeoutError: timed out", "template_error: zh.body: …"), "gave up after N attempts: <the last reason>", or a
mail server's own reply ("550 5.1.1 no such user"). Each code has a label `<prefix>.<code>` in a locale catalog,
which may show the detail as {detail}; a reason with no label is shown as it was stored, never hidden.
"""

from __future__ import annotations

import re

from ..core import i18n

PREFIX = "messaging.reason"
_GAVE_UP = re.compile(r"gave up after (\d+) attempts: (.*)", re.DOTALL)
_SERVER = re.compile(r"[245]\d\d\b")
_CODE = re.compile(r"[a-z][a-z_]*")


def reason_words(reason: str | None, locale: str, prefixes: tuple[str, ...] = (PREFIX,)) -> str:
    """The reason in words; `prefixes` are the catalogs' label prefixes to look in, in order."""
    if not reason:
        return ""
    gave_up = _GAVE_UP.fullmatch(reason)
    if gave_up:
        return i18n.t(f"{PREFIX}.gave_up", locale, attempts=gave_up.group(1),
                      detail=reason_words(gave_up.group(2), locale, prefixes))
    if _SERVER.match(reason):
        return i18n.t(f"{PREFIX}.server", locale, detail=reason)
    code, _, detail = reason.partition(":")
    if _CODE.fullmatch(code):
        for prefix in prefixes:
            if i18n.has(f"{prefix}.{code}", locale):
                return i18n.t(f"{prefix}.{code}", locale, detail=detail.strip())
    return reason

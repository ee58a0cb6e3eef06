"""Message templates in a sandboxed Jinja2 (jinja2.sandbox): staff write them, so a template may read the values it
is given and nothing else (no attribute walks to Python internals, no imports, no file access).

An unknown variable or a syntax error is refused with a message naming it (and the line), never rendered as an
empty string: a birthday message that reads "Dear ," is worse than none.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from ...core.errors import InvalidInput

# The variables a care template may use, with what each holds (shown beside the editor).
VARIABLES = ("name", "tier", "points", "expiring_points", "expiring_on", "last_product", "recommendation",
             "recommendation_reason", "coupon_code", "offer", "shop", "occasion_date", "tracking_link")
MAX_TEMPLATE = 10_000


@dataclass(frozen=True)
class Rendered:
    """A rendered message: subject line and body."""

    subject: str
    body: str


_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


@lru_cache(maxsize=256)
def _compiled(text: str):
    return _ENV.from_string(text)  # compiled once per text: a campaign renders the same template many times


def _compile(text: str, field: str):
    if len(text) > MAX_TEMPLATE:
        raise InvalidInput("template_too_long", f"{field}: the template is longer than {MAX_TEMPLATE} characters",
                           field=field)
    try:
        return _compiled(text)
    except TemplateSyntaxError as exc:
        raise InvalidInput("template_syntax", f"{field}: line {exc.lineno}: {exc.message}", field=field,
                           values={"line": exc.lineno, "detail": str(exc.message)}) from None


def check_template(text: str, field: str) -> list[str]:
    """Compile a template and return the variables it uses; InvalidInput for a syntax error or an unknown name."""
    from jinja2 import meta

    _compile(text, field)
    used = sorted(meta.find_undeclared_variables(_ENV.parse(text)))
    for name in used:
        if name not in VARIABLES:
            raise InvalidInput("template_unknown_variable", f"{field}: unknown variable '{name}' (known: "
                               f"{', '.join(VARIABLES)})", field=field, values={"name": name})
    return used


def render_text(text: str, values: dict, field: str) -> str:
    """Render one template with the values; InvalidInput names an unknown variable or a failing expression."""
    template = _compile(text, field)
    try:
        return template.render(**values).strip()
    except UndefinedError as exc:
        name = str(exc.message or "").split("'")[1] if "'" in str(exc.message or "") else str(exc.message)
        raise InvalidInput("template_unknown_variable", f"{field}: unknown variable '{name}'", field=field,
                           values={"name": name}) from None
    except SecurityError as exc:
        raise InvalidInput("template_unsafe", f"{field}: not allowed in a template: {exc}", field=field,
                           values={"detail": str(exc)}) from None
    except Exception as exc:  # a filter on the wrong type, a division by zero: the staff's template, their message
        raise InvalidInput("template_error", f"{field}: {type(exc).__name__}: {exc}", field=field,
                           values={"detail": f"{type(exc).__name__}: {exc}"}) from None


def render_message(subject: str, body: str, values: dict, *, prefix: str = "") -> Rendered:
    """Subject and body rendered with the same values."""
    return Rendered(render_text(subject, values, f"{prefix}subject"), render_text(body, values, f"{prefix}body"))


def choose_language(preferred: str | None, country: str | None) -> str:
    """zh or en: the customer's stated language, else zh for China (and unknown countries), en elsewhere."""
    if preferred:
        return "en" if preferred.lower().startswith("en") else "zh"
    if country and country.strip().lower() not in ("cn", "china", "中国", "prc", "hk", "tw", "mo"):
        return "en"
    return "zh"


def greeting_name(name: str | None, language: str) -> str:
    """The customer's real name; without one a polite form, never a masked nickname or a platform handle."""
    if name and name.strip() and "*" not in name:
        return name.strip()
    return "亲爱的顾客" if language == "zh" else "valued customer"

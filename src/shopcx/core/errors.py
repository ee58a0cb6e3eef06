"""One error hierarchy: every business error carries a code, a message, a status and maybe a field."""

from __future__ import annotations

import contextlib


class ShopCXError(Exception):
    """A business error shown to the user as {"error": code, "message": ...}."""

    status = 400

    def __init__(self, code: str, message: str, *, status: int | None = None, field: str | None = None,
                 line: int | None = None, values: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.line = line  # the file line (CSV/Excel row) the error is about, when there is one
        self.values = dict(values or {})  # the catalog text's {placeholders} besides field, line and message
        if status is not None:
            self.status = status

    def as_dict(self) -> dict:
        body = {"error": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.line is not None:
            body["line"] = self.line
        return body


class NotFound(ShopCXError):
    status = 404


class Conflict(ShopCXError):
    status = 409


class InvalidInput(ShopCXError):
    status = 422


class AuthError(ShopCXError):
    status = 401


class PermissionDenied(ShopCXError):
    status = 403


class TooManyRequests(ShopCXError):
    status = 429


@contextlib.contextmanager
def command_errors(console):
    """For `shopcx` commands: a business error ends the command with its one-line message on `console` (stderr),
    exit code 2 for bad input or a refusal, 1 otherwise."""
    import typer

    try:
        yield
    except ShopCXError as exc:
        console.print(f"[red]error:[/red] {exc.message}", soft_wrap=True, markup=True, highlight=False)
        raise typer.Exit(2 if exc.status < 500 else 1) from None

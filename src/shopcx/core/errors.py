"""One error hierarchy: every business error carries a code, a message, a status and maybe a field."""

from __future__ import annotations


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

"""Import errors: a file that cannot be imported at all (as opposed to single rejected rows)."""

from __future__ import annotations

from ..core.errors import InvalidInput, NotFound


class ImportFileError(InvalidInput):
    """The file as a whole is unusable: unknown type, missing columns, unreadable."""


class ImportJobNotFound(NotFound):
    pass

"""Errors the returns' services raise: messages a person can act on, never a stack trace."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from localstat.returns.files import FileRejected, RowError


class ReturnsError(ValidationError):
    """A write that would break one of the returns' rules; the message says which and why."""


class GatewayRefusal(ReturnsError):
    """A collection asking again for data already collected; ``existing`` is the collection to use."""

    def __init__(self, message: str, *, existing: object) -> None:
        self.existing = existing
        super().__init__(message, code="duplicate")


class ImportRejected(FileRejected):
    """An import refused as a whole: nothing was written; ``errors`` lists every problem by row and field."""


__all__ = ["FileRejected", "GatewayRefusal", "ImportRejected", "ReturnsError", "RowError"]

"""Errors the framework's services raise: messages a person can act on, never a stack trace."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class FrameworkError(ValidationError):
    """A write that would break one of the framework's rules; the message says which and why."""


class CsvImportError(FrameworkError):
    """A CSV file refused as a whole: ``errors`` holds one line per problem,
    ``row R (line L), field F: reason``; nothing was written."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        shown = "; ".join(errors[:20]) + (f"; and {len(errors) - 20} more" if len(errors) > 20 else "")
        super().__init__(f"Nothing was imported: {len(errors)} problem(s): {shown}", code="invalid")

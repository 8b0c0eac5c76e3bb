"""Errors the agreements' services raise: messages a person can act on, never a stack trace."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class AgreementError(ValidationError):
    """A write that would break one of the agreements' rules; the message says which and why."""

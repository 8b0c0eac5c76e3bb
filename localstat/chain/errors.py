"""Errors the chain's services raise: a message a person can act on, never a stack trace."""

from django.core.exceptions import ValidationError


class ChainError(ValidationError):
    """A change to the delivery chain that would break one of its rules."""

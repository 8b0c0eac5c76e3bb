"""What every framework page needs: finding organisations, the date asked for, and refusing as a 404."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from localstat.chain.access import can
from localstat.chain.choices import ChainRole
from localstat.chain.models import Organisation
from localstat.chain.selectors import links_current_on
from localstat.core.clock import today

User = AbstractBaseUser | AnonymousUser


def organisation_in_role(code: str, role: str) -> Organisation:
    """The organisation with ``code`` if it currently plays ``role`` in some chain, else a 404."""
    organisation = get_object_or_404(Organisation, code=code)
    if not links_current_on(None).filter(organisation=organisation, role=role).exists():
        raise Http404(f"{code} is not a {ChainRole(role).label.lower()}.")
    return organisation


def require(user: User, action: str, organisation: Organisation) -> None:
    """A page for an action the user may not take does not exist for them (as in the chain's pages)."""
    if not can(user, action, organisation):
        raise Http404("No such page here for you.")


def as_of_from(request: HttpRequest) -> tuple[date, str]:
    """The ``as_of`` query parameter (default today) and, when it is not a date, the error to show."""
    text = request.GET.get("as_of", "").strip()
    if not text:
        return today(), ""
    try:
        return date.fromisoformat(text), ""
    except ValueError:
        return today(), f"'{text}' is not a date: write it as YYYY-MM-DD, for example 2019-04-30."

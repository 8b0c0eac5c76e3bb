"""What every framework page needs: finding organisations, the date asked for, and refusing as a 404."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from localstat.chain.access import can
from localstat.chain.choices import ChainRole
from localstat.chain.models import Organisation
from localstat.chain.selectors import links_current_on
from localstat.core.clock import today
from localstat.framework.choices import ControlScope
from localstat.framework.models import Control
from localstat.framework.selectors import controls_in_force

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


def illustrative_note(controls: Iterable[Control], *, total: int | None = None) -> str:
    """The banner about the demo's invented education controls, when some of them are on the page.

    Only controls of the illustrative register count (a target invented for the demo is a control
    too, but it carries its own "Illustrative" tag); the figures are the page's own: how many of them,
    and of ``total`` when the page counts its controls.
    """
    count = sum(1 for control in controls if control.illustrative and control.target_id is None)
    if not count:
        return ""
    of = f"of the {total:,} controls" if total else "of the controls"
    verb = "is" if count == 1 else "are"
    return (
        f"Illustrative: {count:,} {of} counted here {verb} the demo's education controls, shaped like "
        "the report's chart of external controls on schools (2.25). Their numbered titles are "
        "placeholders, not real requirements."
    )


def illustrative_reaching(units: Sequence[Organisation], as_of: date) -> list[Control]:
    """The illustrative register's controls in force on ``as_of`` that reach any of ``units``."""
    if not units:
        return []
    services = (
        links_current_on(as_of)
        .filter(organisation__in=units, role=ChainRole.FRONT_LINE_UNIT)
        .values("service")
    )
    reach = (
        Q(scope=ControlScope.UNIT_TYPE, unit_type__in={u.unit_type for u in units if u.unit_type})
        | Q(scope=ControlScope.SERVICE, service__in=services)
        | Q(scope=ControlScope.UNITS, units__in=units)
    )
    found = controls_in_force(as_of).filter(reach, illustrative=True, target__isnull=True)
    return list(found.exclude(issuing_body__in=units).distinct())

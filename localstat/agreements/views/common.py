"""What the agreements' views share: finding what a person may see, and showing a service's refusal on the form."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from localstat.agreements.errors import AgreementError
from localstat.agreements.models import Negotiation
from localstat.chain.access import NotPermitted, can
from localstat.chain.models import Organisation


def negotiation_for(request: HttpRequest, pk: int) -> Negotiation:
    """The negotiation, or a 404 for one outside the person's chain (its existence leaks nothing)."""
    negotiation = get_object_or_404(
        Negotiation.objects.select_related("proposer", "manager", "department", "service"), pk=pk
    )
    if not can(request.user, "agreements.view", negotiation.proposer):
        raise Http404("No negotiation here for you.")
    return negotiation


def organisation_for(request: HttpRequest, code: str) -> Organisation:
    organisation = get_object_or_404(Organisation, code=code)
    if not can(request.user, "agreements.view", organisation):
        raise Http404("No organisation page here for you.")
    return organisation


def require(request: HttpRequest, action: str, organisation: Organisation) -> None:
    """Someone who may see the page but not take the step gets a 403 that says so."""
    if not can(request.user, action, organisation):
        raise PermissionDenied(f"You may not do this for {organisation.code}.")


def refused(form: Any, error: AgreementError | NotPermitted) -> None:
    """Put a service's refusal on the form, so the page shows it in the error summary."""
    messages = error.messages if isinstance(error, AgreementError) else [str(error)]
    for message in messages:
        form.add_error(None, message)

"""Reads of the controls register."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, Q, QuerySet

from localstat.chain.models import Organisation
from localstat.framework.models import Control


def controls_register(
    *, issuing_body: Organisation | None = None, as_of: date | None = None, include_removed: bool = True
) -> QuerySet[Control]:
    """The register, with what each control needs for a page or a CSV row, in a fixed number of queries.

    With ``as_of``: the controls in force then (and, with ``include_removed``, those removed by then too).
    """
    controls = Control.objects.select_related(
        "issuing_body", "psa", "indicator", "service", "target"
    ).prefetch_related(Prefetch("units", queryset=Organisation.objects.order_by("code").only("code", "name")))
    if issuing_body is not None:
        controls = controls.filter(issuing_body=issuing_body)
    if as_of is not None:
        controls = controls.filter(in_force_from__lte=as_of)
        if not include_removed:
            controls = controls.filter(Q(removed_on__isnull=True) | Q(removed_on__gt=as_of))
    return controls.order_by("issuing_body__code", "code")


def issuing_bodies() -> QuerySet[Organisation]:
    """Every organisation that has issued a control."""
    return Organisation.objects.filter(pk__in=Control.objects.values("issuing_body")).order_by("code")

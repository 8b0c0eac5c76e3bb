"""Burden reports: a unit's (with its change over time), a unit type's, an issuing body's."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from localstat.chain.choices import UnitType
from localstat.chain.models import Organisation
from localstat.framework import selectors
from localstat.framework.charts import burden_by_body_svg, burden_over_time_svg
from localstat.framework.reports import FORMATS
from localstat.framework.reports import render as render_report
from localstat.framework.selectors.burden import BurdenPoint, BurdenReport
from localstat.framework.views.common import as_of_from, illustrative_note


def _respond(
    request: HttpRequest,
    report: BurdenReport | None,
    points: list[BurdenPoint] | None,
    context: dict[str, object],
    as_of_error: str,
) -> HttpResponse:
    fmt = request.GET.get("format", "")
    if report is not None and fmt in FORMATS and fmt != "text":
        response = HttpResponse(
            render_report(report, points, fmt),
            content_type="text/csv; charset=utf-8" if fmt == "csv" else "application/json",
        )
        response["Content-Disposition"] = f'attachment; filename="burden-{report.as_of.isoformat()}.{fmt}"'
        return response
    if report is not None:
        context["chart"] = burden_by_body_svg(report)
        if points:
            context["over_time_chart"] = burden_over_time_svg(points, str(context["subject"]))
    return render(
        request,
        "framework/burden.html",
        {
            **context,
            "report": report,
            "points": points,
            "as_of_error": as_of_error,
            "as_of_text": request.GET.get("as_of", "").strip() or str(context["as_of"]),
            "illustrative_note": illustrative_note(report.controls, total=report.total)
            if report is not None
            else "",
        },
        status=400 if as_of_error else 200,
    )


def unit_burden(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_object_or_404(Organisation, code=code)
    if not unit.is_unit:
        raise Http404(f"{code} is not a front line unit.")
    as_of, error = as_of_from(request)
    report = None if error else selectors.unit_burden(unit, as_of)
    points = None if error else selectors.unit_burden_over_time(unit, as_of)
    return _respond(
        request, report, points, {"subject": unit.code, "organisation": unit, "as_of": as_of}, error
    )


def body_burden(request: HttpRequest, code: str) -> HttpResponse:
    body = get_object_or_404(Organisation, code=code)
    as_of, error = as_of_from(request)
    report = None if error else selectors.issuing_body_burden(body, as_of)
    return _respond(request, report, None, {"subject": body.code, "body": body, "as_of": as_of}, error)


def type_burden(request: HttpRequest, unit_type: str) -> HttpResponse:
    if unit_type not in UnitType.values:
        raise Http404("No such unit type.")
    as_of, error = as_of_from(request)
    report, totals = (None, []) if error else selectors.unit_type_burden(unit_type, as_of)
    label = UnitType(unit_type).label
    return _respond(
        request,
        report,
        None,
        {
            "subject": f"{label.lower()}s",
            "unit_type": unit_type,
            "unit_type_label": label,
            "totals": totals,
            "as_of": as_of,
        },
        error,
    )

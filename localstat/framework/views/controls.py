"""The controls register: the list, CSV export and import, and removing a control with a date."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from localstat.chain.access import NotPermitted, can, permitted_organisations
from localstat.chain.models import Organisation
from localstat.core.clock import today
from localstat.framework import selectors, services
from localstat.framework.csvfiles import CONTROL_COLUMNS, control_record, write_csv
from localstat.framework.errors import CsvImportError, FrameworkError
from localstat.framework.forms import RemoveControlForm, UploadForm
from localstat.framework.models import Control
from localstat.framework.views.common import as_of_from, illustrative_note


def controls_register(request: HttpRequest) -> HttpResponse:
    """Every control, by issuing body; ``?body=CODE`` narrows it, ``?format=csv`` downloads it."""
    body_code = request.GET.get("body", "")
    body = get_object_or_404(Organisation, code=body_code) if body_code else None
    as_of, as_of_error = as_of_from(request)
    if request.GET.get("format") == "csv":
        controls = selectors.controls_register(issuing_body=body)
        response = StreamingHttpResponse(
            write_csv(
                CONTROL_COLUMNS, (control_record(c, [u.code for u in c.units.all()]) for c in controls)
            ),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="localstat-controls-{today().isoformat()}.csv"'
        )
        return response
    controls = selectors.controls_register(issuing_body=body, as_of=as_of, include_removed=True)
    page = Paginator(controls, 100).get_page(request.GET.get("page"))
    managed = set(
        permitted_organisations(request.user, "framework.manage_controls").values_list("pk", flat=True)
    )
    return render(
        request,
        "framework/controls.html",
        {
            "page": page,
            "body": body,
            "bodies": selectors.issuing_bodies(),
            "as_of": as_of,
            "as_of_error": as_of_error,
            "as_of_text": request.GET.get("as_of", "").strip() or as_of.isoformat(),
            "in_force": selectors.controls_in_force(as_of)
            .filter(**({"issuing_body": body} if body else {}))
            .count(),
            "illustrative_note": illustrative_note(page),
            "managed": managed if request.user.is_authenticated else set(),
        },
        status=400 if as_of_error else 200,
    )


@login_required
def controls_import(request: HttpRequest) -> HttpResponse:
    if not permitted_organisations(request.user, "framework.manage_controls").exists():
        raise Http404("No such page here for you.")
    form = UploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            summary = services.import_controls(
                content=form.cleaned_data["file"].read(), acting_user=request.user
            )
        except CsvImportError as error:
            errors = error.errors
        else:
            messages.success(request, f"Controls imported: {summary}.")
            return redirect("framework:controls")
    return render(
        request,
        "framework/import.html",
        {
            "form": form,
            "errors": errors,
            "what": "controls",
            "columns": CONTROL_COLUMNS,
            "export_url": "framework:controls",
        },
        status=400 if errors else 200,
    )


@login_required
def control_remove(request: HttpRequest, code: str) -> HttpResponse:
    control = get_object_or_404(Control.objects.select_related("issuing_body"), code=code)
    if not can(request.user, "framework.manage_controls", control.issuing_body) or control.removed_on:
        raise Http404("No such page here for you.")
    form = RemoveControlForm(request.POST or None, initial={"on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.remove_control(
                control=control,
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except FrameworkError as error:
            form.add_error(None, error)
        except NotPermitted as error:
            raise Http404(str(error)) from None
        else:
            messages.success(request, f"{control.code} is removed from {form.cleaned_data['on']:%-d %B %Y}.")
            return redirect(
                f"{request.build_absolute_uri('/framework/controls/')}?body={control.issuing_body.code}"
            )
    return render(request, "framework/control_remove.html", {"control": control, "form": form})

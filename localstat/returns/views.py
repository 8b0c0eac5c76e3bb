"""Pages for returns: parse → authorise → call a service or selector → render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from localstat.chain.access import can, permitted_organisations
from localstat.chain.models import Organisation
from localstat.core.clock import today
from localstat.framework.models import Indicator
from localstat.returns import selectors, services
from localstat.returns.choices import ReturnStatus, Source
from localstat.returns.errors import ImportRejected
from localstat.returns.files import FileRejected, count_rows
from localstat.returns.forms import ReturnValuesForm, SendBackForm, UploadForm, WarningForm
from localstat.returns.imports import import_file
from localstat.returns.jobs import job_progress, start_import_job
from localstat.returns.models import ImportJob, QualityWarning, Return


def _visible_return(request: HttpRequest, pk: int) -> Return:
    return_record = get_object_or_404(Return.objects.select_related("collection", "unit"), pk=pk)
    # Outside your chain a return does not exist for you: a 404, not a 403.
    if not can(request.user, "returns.view_returns", return_record.unit):
        raise Http404("No return here for you.")
    return return_record


@login_required
def returns_home(request: HttpRequest) -> HttpResponse:
    """Overdue returns, returns awaiting your approval, and the latest returns of your units."""
    as_of = today()
    visible = selectors.returns_visible_to(request.user)
    submitting = permitted_organisations(request.user, "returns.submit_return")
    return render(
        request,
        "returns/home.html",
        {
            "as_of": as_of,
            "overdue": list(selectors.overdue_returns(visible, as_of)[:100]),
            "overdue_count": selectors.overdue_returns(visible, as_of).count(),
            "awaiting": list(selectors.returns_awaiting_approval(request.user)[:200]),
            "recent": list(
                selectors.with_timeliness(visible.exclude(status=ReturnStatus.AWAITING), as_of).order_by(
                    "-period_start", "unit__code"
                )[:50]
            ),
            "can_upload": submitting.exists(),
        },
    )


@login_required
def unit_returns(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_object_or_404(Organisation, code=code)
    if not can(request.user, "returns.view_returns", unit):
        raise Http404("No organisation page here for you.")
    as_of = today()
    returns = selectors.with_timeliness(
        Return.objects.filter(unit=unit).select_related("collection"), as_of
    ).order_by("-period_start", "collection__code")
    return render(
        request,
        "returns/unit_returns.html",
        {
            "unit": unit,
            "as_of": as_of,
            "overdue": list(selectors.overdue_returns(returns, as_of)),
            "returns": list(returns[:300]),
        },
    )


@login_required
def return_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return_record = _visible_return(request, pk)
    unit = return_record.unit
    return render(
        request,
        "returns/return_detail.html",
        {
            "return": return_record,
            "timeliness": selectors.timeliness_of(return_record, today()),
            "values": selectors.current_values(return_record),
            "warnings": list(selectors.warnings_for(return_record)),
            "can_submit": can(request.user, "returns.submit_return", unit),
            "can_approve": can(request.user, "returns.approve_return", unit)
            and return_record.status == ReturnStatus.SUBMITTED,
            "can_resolve": can(request.user, "returns.resolve_warning", unit),
            "send_back_form": SendBackForm(),
        },
    )


@login_required
def edit_return(request: HttpRequest, pk: int) -> HttpResponse:
    """The web form per return: a numerator and denominator per item, through the import service."""
    return_record = _visible_return(request, pk)
    if not can(request.user, "returns.submit_return", return_record.unit):
        raise PermissionDenied("Only the unit itself submits its returns.")
    items = list(return_record.collection.items.select_related("indicator__current_version"))
    current = {o.indicator_id: o for o in selectors.current_values(return_record)}
    form = ReturnValuesForm(request.POST or None, items=items, current=current)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        if not values:
            form.add_error(None, "Give at least one value.")
        else:
            try:
                result = services.submit_return_values(
                    return_record=return_record,
                    values=values,
                    reason=form.cleaned_data["reason"],
                    acting_user=request.user,
                )
            except ImportRejected as rejected:
                form.add_row_errors(rejected.errors, list(values))
            else:
                messages.success(
                    request,
                    f"Return saved: {result.summary}; {result.warnings} "
                    f"warning{'' if result.warnings == 1 else 's'}.",
                )
                return redirect("returns:detail", pk=return_record.pk)
    return render(request, "returns/return_form.html", {"return": return_record, "form": form})


@login_required
def value_history(request: HttpRequest, pk: int, indicator: str) -> HttpResponse:
    return_record = _visible_return(request, pk)
    chosen = get_object_or_404(Indicator, code=indicator)
    revisions = list(selectors.value_history(return_record.unit, chosen, return_record.period_start))
    if not revisions:
        raise Http404("No value of that indicator in this return.")
    return render(
        request,
        "returns/history.html",
        {"return": return_record, "indicator": chosen, "revisions": revisions},
    )


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return_record = _visible_return(request, pk)
    try:
        services.approve_return(return_record=return_record, acting_user=request.user)
    except PermissionDenied:
        raise Http404("No approval here for you.") from None
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"Approved: {return_record}.")
    return redirect("returns:detail", pk=pk)


@login_required
@require_POST
def send_back(request: HttpRequest, pk: int) -> HttpResponse:
    return_record = _visible_return(request, pk)
    form = SendBackForm(request.POST)
    if form.is_valid():
        try:
            services.send_back_return(
                return_record=return_record, reason=form.cleaned_data["reason"], acting_user=request.user
            )
        except PermissionDenied:
            raise Http404("No approval here for you.") from None
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, f"Sent back to {return_record.unit.code}.")
    else:
        messages.error(request, "Say why the return is sent back.")
    return redirect("returns:detail", pk=pk)


@login_required
@require_POST
def resolve_warning(request: HttpRequest, pk: int) -> HttpResponse:
    warning = get_object_or_404(QualityWarning.objects.select_related("return_record__unit"), pk=pk)
    if not can(request.user, "returns.view_returns", warning.return_record.unit):
        raise Http404("No warning here for you.")
    form = WarningForm(request.POST)
    if form.is_valid():
        try:
            services.resolve_warning(
                warning=warning,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
            )
        except PermissionDenied as error:
            messages.error(request, str(error))
        except ValidationError as error:
            messages.error(request, error.messages[0])
    return redirect("returns:detail", pk=warning.return_record_id)


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    """Upload a CSV or XLSX file: every error listed and nothing written, or the counts and warnings."""
    form = UploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    result = None
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        content = upload_file.read()
        options = {"collection": form.cleaned_data["collection"], "reason": form.cleaned_data["reason"]}
        rows = count_rows(content, upload_file.name)
        if rows > settings.LOCALSTAT_ASYNC_ROWS:
            job = start_import_job(
                content=content,
                name=upload_file.name,
                rows=rows,
                source=Source.FILE,
                options={
                    "collection": options["collection"].code if options["collection"] else None,
                    "reason": options["reason"],
                },
                acting_user=request.user,
            )
            return redirect("returns:job", pk=job.pk)
        try:
            result = import_file(
                content=content,
                name=upload_file.name,
                source=Source.FILE,
                acting_user=request.user,
                **options,
            )
        except FileRejected as rejected:
            errors = [str(error) for error in rejected.errors]
        except ValidationError as refused:
            errors = list(refused.messages)
    return render(request, "returns/upload.html", {"form": form, "errors": errors, "result": result})


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob, pk=pk)
    if job.created_by_id != request.user.pk and not request.user.is_superuser:
        raise Http404("No job here for you.")
    return render(request, "returns/job.html", {"job": job, "progress": job_progress(job)})


def collections(request: HttpRequest) -> HttpResponse:
    """Every collection, with the bodies that use it: the gateway's register (public)."""
    return render(
        request, "returns/collections.html", {"collections": list(selectors.collections_with_users())}
    )

"""A target's page, one form per step of its life cycle, cascading, and targets as CSV."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from localstat.chain.access import NotPermitted, permitted_organisations
from localstat.chain.models import Organisation
from localstat.chain.selectors import units_managed_by
from localstat.core.clock import today
from localstat.framework import selectors, services
from localstat.framework.choices import TargetScope, TargetStatus
from localstat.framework.csvfiles import TARGET_COLUMNS, target_record, write_csv
from localstat.framework.errors import CsvImportError, FrameworkError
from localstat.framework.forms import CascadeForm, OutcomeForm, StepForm, UploadForm
from localstat.framework.models import Control, Target
from localstat.framework.views.common import organisation_in_role

#: step → (status it starts from, the permission it needs, its service, the button's words)
STEPS = {
    "agree": (TargetStatus.PROPOSED, "framework.agree_target", services.agree_target, "Record agreement"),
    "activate": (TargetStatus.AGREED, "framework.agree_target", services.activate_target, "Make active"),
    "met": (
        TargetStatus.ACTIVE,
        "framework.record_target_outcome",
        services.record_target_met,
        "Record as met",
    ),
    "missed": (
        TargetStatus.ACTIVE,
        "framework.record_target_outcome",
        services.record_target_missed,
        "Record as missed",
    ),
}


def _visible_target(request: HttpRequest, reference: str) -> Target:
    return get_object_or_404(selectors.targets_visible_to(request.user), reference=reference)


def _acted_on(target: Target) -> list[Organisation]:
    return [target.set_by] if target.scope == TargetScope.NATIONAL else list(target.units.all())


def _may(request: HttpRequest, action: str, organisations: list[Organisation]) -> bool:
    if not request.user.is_authenticated or not organisations:
        return False
    allowed = set(permitted_organisations(request.user, action).values_list("pk", flat=True))
    return all(o.pk in allowed for o in organisations)


def target_detail(request: HttpRequest, reference: str) -> HttpResponse:
    target = _visible_target(request, reference)
    acted_on = _acted_on(target)
    steps = [
        (step, label)
        for step, (status, action, _, label) in STEPS.items()
        if target.status == status and _may(request, action, acted_on)
    ]
    cascade_from = []
    if target.is_headline and target.status in (TargetStatus.AGREED, TargetStatus.ACTIVE):
        managers = permitted_organisations(request.user, "framework.cascade_target")
        if request.user.is_authenticated:
            cascade_from = list(
                Organisation.objects.filter(
                    pk__in=managers.filter(
                        chain_links__service=target.indicator.service_id, chain_links__valid_to__isnull=True
                    ).values("chain_links__accountable_to")
                ).order_by("code")
            )
    return render(
        request,
        "framework/target_detail.html",
        {
            "target": target,
            "cascaded": selectors.cascade_of(target, request.user),
            "steps": steps,
            "cascade_from": cascade_from,
            "control": Control.objects.filter(target=target).first(),
        },
    )


@login_required
def target_step(request: HttpRequest, reference: str, step: str) -> HttpResponse:
    if step not in STEPS:
        raise Http404("No such step.")
    target = _visible_target(request, reference)
    status, action, service, label = STEPS[step]
    if not _may(request, action, _acted_on(target)):
        raise Http404("No such page here for you.")
    form_class = OutcomeForm if step in ("met", "missed") else StepForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        extra = {"evidence": form.cleaned_data["evidence"]} if step in ("met", "missed") else {}
        try:
            service(target=target, on=form.cleaned_data["on"] or None, acting_user=request.user, **extra)
        except FrameworkError as error:
            form.add_error(None, error)
        except NotPermitted as error:
            raise Http404(str(error)) from None
        else:
            messages.success(request, f"{target.reference}: {label.lower()} — done.")
            return redirect("framework:target", reference=target.reference)
    return render(
        request,
        "framework/target_step.html",
        {"target": target, "form": form, "label": label, "step": step, "expected_status": status},
    )


@login_required
def cascade(request: HttpRequest, reference: str, manager: str) -> HttpResponse:
    """A performance manager cascades a national target to its units, the same level or each one's share."""
    target = _visible_target(request, reference)
    body = organisation_in_role(manager, "intermediate_tier")
    units = units_managed_by(body, service=target.indicator.service)
    if not units.filter(pk__in=permitted_organisations(request.user, "framework.cascade_target")).exists():
        raise Http404("No such page here for you.")
    exempt = {e.unit_id: e for e in selectors.exemptions_in_force(units=units, indicator=target.indicator)}
    done = set(
        Target.objects.filter(parent=target, target_units__unit__in=units).values_list(
            "target_units__unit", flat=True
        )
    )
    open_units = [u for u in units if u.pk not in exempt and u.pk not in done]
    form = CascadeForm(request.POST or None, units=open_units, level_hint=target.level_text)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.cascade_target(
                target=target,
                manager=body,
                units=form.chosen_units(),
                shares=form.shares(),
                acting_user=request.user,
            )
        except FrameworkError as error:
            form.add_error(None, error)
        except NotPermitted as error:
            raise Http404(str(error)) from None
        else:
            messages.success(
                request, f"{target.reference} cascaded to {len(result.targets)} unit(s), proposed."
            )
            return redirect("framework:target", reference=target.reference)
    return render(
        request,
        "framework/cascade.html",
        {
            "target": target,
            "manager": body,
            "form": form,
            "open_units": open_units,
            "exempt": [(u, exempt[u.pk]) for u in units if u.pk in exempt],
            "done": [u for u in units if u.pk in done],
        },
    )


def targets_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Every target the visitor may see, as the CSV the import reads."""
    targets = selectors.targets_visible_to(request.user).order_by("reference")
    response = StreamingHttpResponse(
        write_csv(TARGET_COLUMNS, (target_record(t) for t in targets.iterator(chunk_size=500))),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="localstat-targets-{today().isoformat()}.csv"'
    return response


@login_required
def targets_import(request: HttpRequest) -> HttpResponse:
    if not permitted_organisations(request.user, "framework.propose_target").exists():
        raise Http404("No such page here for you.")
    form = UploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            summary = services.import_targets(
                content=form.cleaned_data["file"].read(), acting_user=request.user
            )
        except CsvImportError as error:
            errors = error.errors
        else:
            messages.success(request, f"Targets imported: {summary}.")
            return redirect("framework:targets_import")
    return render(
        request,
        "framework/import.html",
        {
            "form": form,
            "errors": errors,
            "what": "targets",
            "columns": TARGET_COLUMNS,
            "export_url": "framework:targets_csv",
        },
    )

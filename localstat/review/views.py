"""The review's pages: parse, authorise, call a service or selector, render. No rules here.

A page of a cycle outside your chain is a 404, not a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from localstat.chain.access import can, permitted_organisations
from localstat.chain.choices import Role
from localstat.chain.models import Membership, Organisation
from localstat.core.clock import today
from localstat.review import documents, forms, selectors, services
from localstat.review.choices import ActionStatus, MeetingStatus
from localstat.review.models import Action, Briefing, Commitment, Meeting, ReviewCycle


def _cycle_visible(request: HttpRequest, cycle: ReviewCycle) -> None:
    """The body's people and those of the units it holds to account see a cycle; others get a 404."""
    parties = [cycle.body_id, *cycle.cycle_units.values_list("unit_id", flat=True)]
    if not permitted_organisations(request.user, "review.view_reviews").filter(pk__in=parties).exists():
        raise Http404("No review cycle here for you.")


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    meeting = get_object_or_404(
        Meeting.objects.select_related("cycle__body", "cycle__challenger", "host"), pk=pk
    )
    _cycle_visible(request, meeting.cycle)
    return meeting


def _may(request: HttpRequest, action: str, cycle: ReviewCycle) -> bool:
    return can(request.user, action, cycle.body)


def _parties(cycle: ReviewCycle) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        Q(pk=cycle.body_id) | Q(pk__in=cycle.cycle_units.values("unit_id"))
    ).order_by("code")


def _fail(request: HttpRequest, error: Exception) -> None:
    if isinstance(error, ValidationError):
        messages.error(request, error.messages[0])
    else:
        messages.error(request, str(error) or "You may not do that here.")


@login_required
def review_home(request: HttpRequest) -> HttpResponse:
    """The body's calendar of cycles: every cycle you can see, its next meeting and what is due."""
    as_of = today()
    cycles = list(selectors.cycles_visible_to(request.user))
    by_cycle: dict[int, list[Meeting]] = {c.pk: [] for c in cycles}
    for meeting in selectors.meetings_of_cycles(cycles):
        by_cycle[meeting.cycle_id].append(meeting)
    calendar = [
        {
            "cycle": cycle,
            "next": next(
                (
                    m
                    for m in by_cycle[cycle.pk]
                    if m.status == MeetingStatus.SCHEDULED and m.scheduled_for >= as_of
                ),
                None,
            ),
            "meetings": by_cycle[cycle.pk],
        }
        for cycle in cycles
    ]
    return render(
        request,
        "review/home.html",
        {
            "calendar": calendar,
            "as_of": as_of,
            "is_challenger": Membership.objects.filter(
                user_id=request.user.pk, role=Role.CHALLENGER
            ).exists(),
            # Bodies where the user is the secretariat: they may set up cycles there.
            "bodies": permitted_organisations(request.user, "review.manage_cycles")
            .filter(memberships__user_id=request.user.pk, memberships__role=Role.PERFORMANCE_MANAGER)
            .distinct(),
        },
    )


@login_required
def cycle_new(request: HttpRequest, body: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, code=body)
    if not can(request.user, "review.manage_cycles", organisation):
        raise Http404("No review cycles here for you.")
    form = forms.CycleForm(request.POST or None, body=organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cycle = services.create_cycle(
                code=data["code"],
                name=data["name"],
                body=organisation,
                service=data["service"],
                cadence=data["cadence"],
                challenger=data["challenger"],
                units=data["units"],
                first_meeting=data["first_meeting"],
                acting_user=request.user,
            )
        except PermissionDenied as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            if cycle.cadence_warning:
                messages.warning(request, cycle.cadence_warning)
            messages.success(
                request,
                f"Review cycle {cycle.name} set up; its first meeting is on {cycle.first_meeting:%d %B %Y}.",
            )
            return redirect("review:cycle", pk=cycle.pk)
    return render(request, "review/cycle_form.html", {"form": form, "body": organisation})


@login_required
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(ReviewCycle.objects.select_related("body", "service", "challenger"), pk=pk)
    _cycle_visible(request, cycle)
    return render(
        request,
        "review/cycle_detail.html",
        {
            "cycle": cycle,
            "rotation": list(cycle.cycle_units.select_related("unit")),
            "meetings": list(selectors.meetings_of(cycle)),
            "as_of": today(),
        },
    )


@login_required
def cycle_display(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting-room display (Annex A.2's plasma screens): large, and it reloads as data arrive."""
    cycle = get_object_or_404(ReviewCycle.objects.select_related("body"), pk=pk)
    _cycle_visible(request, cycle)
    meeting = selectors.next_meeting(cycle, today()) or cycle.meetings.order_by("-number").first()
    context = documents.display_context(meeting, cycle)
    context["stamp"] = documents.data_stamp(cycle)
    context["refresh"] = request.GET.get("refresh") == "on"
    return render(request, "review/display.html", context)


@login_required
def cycle_display_stamp(request: HttpRequest, pk: int) -> JsonResponse:
    cycle = get_object_or_404(ReviewCycle, pk=pk)
    _cycle_visible(request, cycle)
    return JsonResponse({"stamp": documents.data_stamp(cycle)})


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    cycle = meeting.cycle
    parties = _parties(cycle)
    secretariat = _may(request, "review.record_meeting", cycle)
    context: dict[str, Any] = {
        **documents.follow_up_context(meeting),
        "briefing": Briefing.objects.filter(meeting=meeting).first(),
        "secretariat": secretariat,
        "as_of": today(),
    }
    if secretariat:
        context.update(
            question_form=forms.QuestionForm(
                parties=parties, prefix="q", initial={"organisation": meeting.host}
            ),
            action_form=forms.ActionForm(parties=parties, prefix="a", initial={"organisation": meeting.host}),
            commitment_form=forms.CommitmentForm(
                parties=parties, prefix="c", initial={"organisation": meeting.host}
            ),
            recognition_form=forms.RecognitionForm(
                parties=parties, prefix="r", initial={"organisation": meeting.host}
            ),
            held_form=forms.HeldForm(initial={"held_on": meeting.scheduled_for}),
        )
    return render(request, "review/meeting_detail.html", context)


@login_required
@require_POST
def meeting_record(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    """The secretariat records a question, an action, a commitment or a recognition."""
    meeting = _meeting(request, pk)
    parties = _parties(meeting.cycle)
    form_class, prefix = {
        "question": (forms.QuestionForm, "q"),
        "action": (forms.ActionForm, "a"),
        "commitment": (forms.CommitmentForm, "c"),
        "recognition": (forms.RecognitionForm, "r"),
    }.get(what, (None, ""))
    if form_class is None:
        raise Http404("Nothing of that kind is recorded here.")
    form = form_class(request.POST, parties=parties, prefix=prefix)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label or field.replace("_", " ") if field in form.fields else ""
            messages.error(request, f"{str(label).capitalize()}: {errors[0]}" if label else errors[0])
        return redirect(f"{reverse('review:meeting', args=[meeting.pk])}#record-{what}")
    data = form.cleaned_data
    try:
        if what == "question":
            services.record_question(
                meeting=meeting,
                organisation=data["organisation"],
                question=data["question"],
                answer=data["answer"],
                acting_user=request.user,
            )
        elif what == "action":
            services.record_action(
                meeting=meeting,
                organisation=data["organisation"],
                description=data["description"],
                owner=data["owner"],
                due_on=data["due_on"],
                data_required=data["data_required"],
                acting_user=request.user,
            )
        elif what == "commitment":
            services.record_commitment(
                meeting=meeting,
                organisation=data["organisation"],
                description=data["description"],
                due_on=data["due_on"],
                acting_user=request.user,
            )
        else:
            services.record_recognition(
                meeting=meeting,
                organisation=data["organisation"],
                citation=data["citation"],
                acting_user=request.user,
            )
    except (PermissionDenied, ValidationError) as error:
        _fail(request, error)
    else:
        messages.success(request, f"The {what} is recorded.")
    return redirect(f"{reverse('review:meeting', args=[meeting.pk])}#record-{what}")


@login_required
@require_POST
def meeting_held(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    form = forms.HeldForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the date the meeting was held, for example 2019-05-02.")
        return redirect("review:meeting", pk=pk)
    try:
        services.hold_meeting(meeting=meeting, held_on=form.cleaned_data["held_on"], acting_user=request.user)
    except (PermissionDenied, ValidationError) as error:
        _fail(request, error)
    else:
        messages.success(
            request, "The meeting is recorded as held; open actions are carried to the next meeting."
        )
    return redirect("review:meeting", pk=pk)


def _readable_briefing(request: HttpRequest, meeting: Meeting) -> Briefing | None:
    """The meeting's briefing, if the user may read it: a draft only by those who prepare it (the
    challenger sees it first, with the secretariat); everyone in the cycle once it is issued."""
    briefing = Briefing.objects.filter(meeting=meeting).first()
    if briefing is None or briefing.is_issued or _may(request, "review.prepare_briefing", meeting.cycle):
        return briefing
    return None


@login_required
@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    try:
        services.cancel_meeting(
            meeting=meeting, reason=request.POST.get("reason", ""), acting_user=request.user
        )
    except (PermissionDenied, ValidationError) as error:
        _fail(request, error)
    else:
        messages.success(
            request, "The meeting is cancelled and the next one scheduled; open actions wait for it."
        )
    return redirect("review:meeting", pk=pk)


@login_required
def briefing_page(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    briefing = _readable_briefing(request, meeting)
    if request.method == "POST":
        try:
            briefing = services.generate_briefing(meeting=meeting, acting_user=request.user)
        except (PermissionDenied, ValidationError) as error:
            _fail(request, error)
        else:
            messages.success(
                request, f"The briefing was generated from the data as of {briefing.as_of:%d %B %Y}."
            )
        return redirect("review:briefing", pk=pk)
    cycle = meeting.cycle
    challenger = request.user.pk == cycle.challenger_id and _may(request, "review.challenge", cycle)
    return render(
        request,
        "review/briefing.html",
        {
            "meeting": meeting,
            "briefing": briefing,
            "view": documents.briefing_view(briefing) if briefing else None,
            "challenger": challenger,
            "may_generate": _may(request, "review.prepare_briefing", cycle),
        },
    )


@login_required
def briefing_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    briefing = _readable_briefing(request, meeting)
    if briefing is None:
        raise Http404("This meeting has no briefing you may read yet.")
    response = HttpResponse(documents.briefing_pdf(briefing), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="briefing-{meeting.cycle.code}-{meeting.number}.pdf"'
    return response


@login_required
@require_POST
def briefing_marks(request: HttpRequest, pk: int) -> HttpResponse:
    """The challenger's one form over the whole draft briefing: a checkbox and a question per exception,
    saved together; its second button saves them and issues the briefing, so no mark is left behind."""
    meeting = _meeting(request, pk)
    briefing = get_object_or_404(Briefing, meeting=meeting)
    keys = request.POST.getlist("item")
    probed = set(request.POST.getlist("probe"))
    marks = {key: (key in probed, request.POST.get(f"note-{key}", "")) for key in keys}
    form = forms.IssueForm(request.POST)
    form.is_valid()
    issue = "issue" in request.POST
    try:
        with transaction.atomic():
            changed = services.mark_probes(briefing=briefing, marks=marks, acting_user=request.user)
            if issue:
                services.issue_briefing(
                    briefing=briefing, note=form.cleaned_data.get("note", ""), acting_user=request.user
                )
    except (PermissionDenied, ValidationError) as error:
        _fail(request, error)
    else:
        probes = briefing.items.filter(probe=True).count()
        to_probe = f"{probes} item{'' if probes == 1 else 's'} to probe"
        messages.success(
            request,
            f"The briefing is issued with {to_probe}: the secretariat and the host unit have been told."
            if issue
            else f"Marks saved ({len(changed)} changed): {to_probe}.",
        )
    return redirect("review:briefing", pk=pk)


@login_required
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    if request.method == "POST":
        try:
            services.issue_follow_up(meeting=meeting, acting_user=request.user)
        except (PermissionDenied, ValidationError) as error:
            _fail(request, error)
        else:
            messages.success(request, "The follow-up note is issued; each owner has been sent their actions.")
        return redirect("review:follow_up", pk=pk)
    return render(
        request,
        "review/follow_up.html",
        {
            **documents.follow_up_context(meeting),
            "secretariat": _may(request, "review.record_meeting", meeting.cycle),
        },
    )


@login_required
def follow_up_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    if meeting.status != MeetingStatus.HELD:
        raise Http404("A follow-up note comes after the meeting.")
    response = HttpResponse(documents.follow_up_pdf(meeting), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="follow-up-{meeting.cycle.code}-{meeting.number}.pdf"'
    )
    return response


@login_required
def my_actions(request: HttpRequest) -> HttpResponse:
    """A unit manager's (or any owner's) actions: open ones first, overdue ones flagged."""
    actions = list(selectors.open_actions_for_user(request.user))
    as_of = today()
    return render(
        request,
        "review/my_actions.html",
        {
            "open": [a for a in actions if a.status == ActionStatus.OPEN],
            "closed": [a for a in actions if a.status != ActionStatus.OPEN],
            "as_of": as_of,
        },
    )


def _action_visible(request: HttpRequest, action: Action) -> None:
    if action.owner_id == request.user.pk or can(request.user, "review.update_action", action.organisation):
        return
    _cycle_visible(request, action.meeting.cycle)


@login_required
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(
        Action.objects.select_related("organisation", "owner", "meeting__cycle__body", "meeting__host"), pk=pk
    )
    _action_visible(request, action)
    form = forms.ActionUpdateForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_action(
                    action=action,
                    note=form.cleaned_data["note"],
                    done=form.cleaned_data["done"],
                    acting_user=request.user,
                )
            except (PermissionDenied, ValidationError) as error:
                _fail(request, error)
            else:
                messages.success(request, "Your update is recorded.")
                return redirect("review:action", pk=pk)
        else:
            messages.error(request, "Say what has been done.")
    return render(
        request,
        "review/action_detail.html",
        {
            "action": action,
            "updates": list(action.updates.select_related("author")),
            "form": form,
            "may_update": action.is_open
            and (
                action.owner_id == request.user.pk
                or can(request.user, "review.update_action", action.organisation)
            ),
            "may_drop": action.is_open and _may(request, "review.record_meeting", action.meeting.cycle),
            "as_of": today(),
        },
    )


@login_required
@require_POST
def action_drop(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(Action.objects.select_related("meeting__cycle"), pk=pk)
    _action_visible(request, action)
    form = forms.DropForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the action is dropped.")
        return redirect("review:action", pk=pk)
    try:
        services.drop_action(action=action, reason=form.cleaned_data["reason"], acting_user=request.user)
    except (PermissionDenied, ValidationError) as error:
        _fail(request, error)
    else:
        messages.success(request, "The action is dropped, with your reason on record.")
    return redirect("review:action", pk=pk)


@login_required
@require_POST
def commitment_assess(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_object_or_404(Commitment.objects.select_related("meeting__cycle"), pk=pk)
    _cycle_visible(request, commitment.meeting.cycle)
    form = forms.AssessCommitmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say whether the commitment was kept.")
    else:
        try:
            services.assess_commitment(
                commitment=commitment,
                kept=form.cleaned_data["kept"] == "yes",
                note=form.cleaned_data["note"],
                acting_user=request.user,
            )
        except (PermissionDenied, ValidationError) as error:
            _fail(request, error)
    return redirect("review:meeting", pk=commitment.meeting_id)


@login_required
def challenger_home(request: HttpRequest) -> HttpResponse:
    """The challenger's page: the cycles they challenge, and each next meeting's briefing to mark and issue."""
    as_of = today()
    cycles = list(ReviewCycle.objects.filter(challenger=request.user).select_related("body", "service"))
    rows = []
    for cycle in cycles:
        meeting = selectors.next_meeting(cycle, as_of)
        briefing = Briefing.objects.filter(meeting=meeting).first() if meeting else None
        rows.append({"cycle": cycle, "meeting": meeting, "briefing": briefing})
    return render(request, "review/challenger.html", {"rows": rows, "as_of": as_of})


@login_required
def secretariat_home(request: HttpRequest) -> HttpResponse:
    """The secretariat's page: meetings to record, follow-up notes due, actions overdue."""
    as_of = today()
    bodies = permitted_organisations(request.user, "review.record_meeting")
    meetings = Meeting.objects.filter(cycle__body__in=bodies).select_related("cycle", "host")
    return render(
        request,
        "review/secretariat.html",
        {
            "as_of": as_of,
            "to_record": list(
                meetings.filter(status=MeetingStatus.SCHEDULED, scheduled_for__lte=as_of).order_by(
                    "scheduled_for"
                )
            ),
            "follow_ups": list(
                meetings.filter(status=MeetingStatus.HELD, follow_up_issued_at__isnull=True).order_by(
                    "held_on"
                )
            ),
            "overdue": list(
                Action.objects.filter(
                    meeting__cycle__body__in=bodies, status=ActionStatus.OPEN, due_on__lt=as_of
                )
                .select_related("organisation", "owner", "meeting__cycle")
                .order_by("due_on")
            ),
            "upcoming": list(
                meetings.filter(status=MeetingStatus.SCHEDULED, scheduled_for__gt=as_of).order_by(
                    "scheduled_for"
                )[:10]
            ),
        },
    )


@login_required
def unit_history(request: HttpRequest, code: str) -> HttpResponse:
    """Every meeting that held the unit to account: what was asked, whether promises were kept, and how
    its indicators moved afterwards."""
    unit = get_object_or_404(Organisation, code=code)
    if not can(request.user, "review.view_reviews", unit):
        raise Http404("No review history here for you.")
    meetings = selectors.history_of(unit)
    return render(
        request,
        "review/unit_history.html",
        {
            "unit": unit,
            "meetings": meetings,
            "movements": selectors.movements_after(unit, meetings),
            "as_of": today(),
        },
    )

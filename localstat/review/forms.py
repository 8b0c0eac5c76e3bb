"""Forms for the review's pages: they parse and check shapes; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from localstat.chain.choices import Role
from localstat.chain.models import Organisation, Service
from localstat.review.choices import Cadence


class DateInput(forms.DateInput):
    input_type = "date"


class CycleForm(forms.Form):
    code = forms.SlugField(max_length=60, help_text="Letters, digits and hyphens, e.g. q70-ae-monthly.")
    name = forms.CharField(max_length=200)
    service = forms.ModelChoiceField(queryset=Service.objects.all(), empty_label=None)
    cadence = forms.ChoiceField(
        choices=Cadence.choices,
        initial=Cadence.MONTHLY,
        help_text="No shorter than the data's refresh; more than 6 weeks apart risks losing effectiveness.",
    )
    challenger = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), help_text="A person with the challenger role at the body."
    )
    units = forms.CharField(
        widget=forms.Textarea,
        help_text="The units held to account, by code, in the order they host: one per line or comma-separated.",
    )
    first_meeting = forms.DateField(widget=DateInput, help_text="For example 2019-05-02.")

    def __init__(self, *args: Any, body: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["challenger"].queryset = (
            get_user_model()
            .objects.filter(memberships__organisation=body, memberships__role=Role.CHALLENGER)
            .order_by("username")
        )

    def clean_units(self) -> list[Organisation]:
        codes = [c.strip() for c in self.cleaned_data["units"].replace(",", "\n").splitlines() if c.strip()]
        found = {o.code: o for o in Organisation.objects.filter(code__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise forms.ValidationError(f"No organisation with the code {', '.join(unknown)}.")
        if not codes:
            raise forms.ValidationError("Name at least one unit.")
        return [found[c] for c in codes]


class IssueForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea, label="A note for the meeting (optional)")


class _PartyForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), empty_label=None, label="Unit"
    )

    def __init__(self, *args: Any, parties: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = parties


class QuestionForm(_PartyForm):
    question = forms.CharField(widget=forms.Textarea)
    answer = forms.CharField(widget=forms.Textarea, required=False)


class ActionForm(_PartyForm):
    description = forms.CharField(widget=forms.Textarea, label="What is to be done")
    owner = forms.ModelChoiceField(queryset=get_user_model().objects.none(), empty_label=None)
    due_on = forms.DateField(widget=DateInput, label="Due date", help_text="For example 2019-05-31.")
    data_required = forms.CharField(widget=forms.Textarea, required=False, label="Data required next time")

    def __init__(self, *args: Any, parties: Any, **kwargs: Any) -> None:
        super().__init__(*args, parties=parties, **kwargs)
        self.fields["owner"].queryset = (
            get_user_model()
            .objects.filter(memberships__organisation__in=parties)
            .distinct()
            .order_by("username")
        )


class CommitmentForm(_PartyForm):
    description = forms.CharField(widget=forms.Textarea, label="What the unit committed to")
    due_on = forms.DateField(widget=DateInput, required=False, label="By when (optional)")


class RecognitionForm(_PartyForm):
    citation = forms.CharField(widget=forms.Textarea, label="What is recognised")


class HeldForm(forms.Form):
    held_on = forms.DateField(widget=DateInput, label="Held on")


class ActionUpdateForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea, label="What has been done")
    done = forms.BooleanField(required=False, label="The action is done")


class DropForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea, label="Why the action is dropped")


class AssessCommitmentForm(forms.Form):
    kept = forms.ChoiceField(choices=[("yes", "Kept"), ("no", "Not kept")], widget=forms.RadioSelect)
    note = forms.CharField(required=False, widget=forms.Textarea)

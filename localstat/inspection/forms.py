"""Forms of the inspection pages: they parse; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from localstat.inspection.choices import (
    AuditOutcome,
    Breadth,
    CapacityScore,
    Component,
    Depth,
    FindingKind,
    FindingRating,
    OverallJudgement,
)

DATE_HINT = "As 2019-04-24."


class InspectionForm(forms.Form):
    visited_on = forms.DateField(label="Date of the visit", help_text=DATE_HINT)
    depth = forms.ChoiceField(
        label="Depth", choices=Depth.choices, help_text="The plan's depth is chosen for you."
    )
    breadth = forms.MultipleChoiceField(
        label="What it covered",
        choices=Breadth.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="The plan's breadth is ticked for you.",
    )
    scope = forms.CharField(label="Scope", widget=forms.Textarea, help_text="What the inspectors looked at.")
    judgement = forms.ChoiceField(
        label="Overall judgement", choices=[("", "Choose"), *OverallJudgement.choices]
    )
    summary = forms.CharField(label="Summary of the findings", widget=forms.Textarea)
    support_offered = forms.CharField(
        label="Support offered",
        widget=forms.Textarea,
        required=False,
        help_text="How the inspectorate will help it improve (seed 5.16, C.20).",
    )
    publish = forms.BooleanField(label="Publish the outcome now", required=False)


class FindingForm(forms.Form):
    kind = forms.ChoiceField(label="Against", choices=FindingKind.choices)
    indicator = forms.CharField(required=False, widget=forms.HiddenInput)
    subject = forms.CharField(label="Standard or outcome", required=False, max_length=200)
    rating = forms.ChoiceField(
        label="Rating", choices=[("", "Not assessed"), *FindingRating.choices], required=False
    )
    evidence = forms.CharField(label="Evidence", widget=forms.Textarea, required=False)

    def is_used(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return bool(data.get("rating") or data.get("evidence", "").strip())


FindingFormSet = forms.formset_factory(FindingForm, extra=0)


class CapacityForm(forms.Form):
    """The five components, each a score and its evidence; ``initial`` carries the pre-fill."""

    note = forms.CharField(label="Overall note", widget=forms.Textarea, required=False)

    def __init__(self, *args: Any, inspections: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for component in Component:
            self.fields[f"{component.value}_score"] = forms.TypedChoiceField(
                label=f"{component.label}: score",
                choices=[("", "Choose"), *CapacityScore.choices],
                coerce=int,
            )
            self.fields[f"{component.value}_evidence"] = forms.CharField(
                label=f"{component.label}: evidence", widget=forms.Textarea
            )
        if inspections is not None:
            self.fields["inspection"] = forms.ChoiceField(
                label="Made during the inspection of",
                choices=[("", "No inspection: a separate assessment"), *inspections],
                required=False,
            )

    def components(self) -> list[dict[str, Any]]:
        return [
            {
                "component": component,
                "score": self[f"{component.value}_score"],
                "evidence": self[f"{component.value}_evidence"],
            }
            for component in Component
        ]

    def scores(self) -> dict[str, tuple[int, str]]:
        return {
            c: (self.cleaned_data[f"{c}_score"], self.cleaned_data[f"{c}_evidence"]) for c in Component.values
        }


class AuditMarkForm(forms.Form):
    collection = forms.ChoiceField(label="Collection", required=False)
    period_start = forms.DateField(label="Periods starting from", help_text=DATE_HINT)
    period_end = forms.DateField(label="to", help_text=DATE_HINT)
    outcome = forms.ChoiceField(label="Outcome", choices=[("", "Choose"), *AuditOutcome.choices])
    findings = forms.CharField(label="Findings", widget=forms.Textarea)

    def __init__(self, *args: Any, collections: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collection"].choices = [("", "Every collection"), *collections]


class RulesForm(forms.Form):
    text = forms.CharField(
        label="The rules (YAML)",
        widget=forms.Textarea,
        help_text="Each key is explained on the published rules page.",
    )
    note = forms.CharField(label="What changed", max_length=300, required=False)

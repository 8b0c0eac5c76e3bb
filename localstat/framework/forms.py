from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from localstat.chain.models import Organisation


class StepForm(forms.Form):
    """Agreeing or activating a target: the date it happened (default today)."""

    on = forms.DateField(
        label="On", required=False, help_text="For example, 2019-04-30. Leave blank for today."
    )


class OutcomeForm(StepForm):
    """Recording a target met or missed: the date and the evidence."""

    evidence = forms.CharField(
        label="Evidence",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="The figures and where they come from.",
    )


class CascadeForm(forms.Form):
    """A performance manager picks the units to cascade a target to, with each one's share if it differs."""

    units = forms.MultipleChoiceField(label="Units", widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, units: Iterable[Organisation], level_hint: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit_list = list(units)
        self.fields["units"].choices = [(u.code, u.display_name) for u in self.unit_list]
        self.fields["units"].initial = [u.code for u in self.unit_list]
        for unit in self.unit_list:
            self.fields[f"share_{unit.code}"] = forms.DecimalField(
                label=f"{unit.code} level",
                required=False,
                max_digits=16,
                decimal_places=4,
                help_text=f"Blank: the national level ({level_hint}).",
            )

    def rows(self) -> list[tuple[Organisation, Any]]:
        """Each unit with its share field, for the page's table."""
        return [(u, self[f"share_{u.code}"]) for u in self.unit_list]

    def shares(self) -> dict[Organisation, Any]:
        chosen = set(self.cleaned_data["units"])
        return {
            u: self.cleaned_data[f"share_{u.code}"]
            for u in self.unit_list
            if u.code in chosen and self.cleaned_data.get(f"share_{u.code}") is not None
        }

    def chosen_units(self) -> list[Organisation]:
        chosen = set(self.cleaned_data["units"])
        return [u for u in self.unit_list if u.code in chosen]


class UploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8, with a header row. At most 5 MB.")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 5 MB; split it.")
        return upload


class RemoveControlForm(forms.Form):
    on = forms.DateField(label="Removed from", help_text="The first day the control no longer applies.")
    reason = forms.CharField(label="Reason", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))

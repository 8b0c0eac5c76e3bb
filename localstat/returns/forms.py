from __future__ import annotations

from typing import Any

from django import forms

from localstat.returns.choices import WarningStatus
from localstat.returns.files import RowError
from localstat.returns.models import Collection, CollectionItem, Observation
from localstat.returns.wording import number


class ValueField(forms.FloatField):
    """A numerator or denominator: a stored value is shown as written ("3364", "0", "0.5"), not "3364.0"."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, float):
            return number(value, grouped=False)
        return value


class ReturnValuesForm(forms.Form):
    """A numerator (and a denominator, unless the item is a count) per item the return asks for."""

    reason = forms.CharField(
        required=False,
        label="Reason for any change",
        help_text="Needed when you change a value already approved: it is kept with the new revision.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args: Any, items: list[CollectionItem], current: dict[int, Observation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.items = [item for item in items if not item.is_derived]
        for item in self.items:
            code = item.indicator.code
            version = item.indicator.current_version
            counted = version is not None and version.statistic == "count"
            value = current.get(item.indicator_id)
            self.fields[f"{code}__numerator"] = ValueField(
                required=False,
                min_value=0,
                label=f"{code} {'count' if counted else 'numerator'}",
                help_text=(version.numerator_definition if version else ""),
                initial=value.numerator if value else None,
            )
            if not counted:
                self.fields[f"{code}__denominator"] = ValueField(
                    required=False,
                    min_value=0,
                    label=f"{code} denominator",
                    help_text=(version.denominator_definition if version else ""),
                    initial=value.denominator if value else None,
                )
        self.order_fields([*(name for name in self.fields if name != "reason"), "reason"])

    def values(self) -> dict[str, tuple[float | None, float | None]]:
        """Item code → (numerator, denominator) for every item given a value."""
        given = {}
        for item in self.items:
            code = item.indicator.code
            numerator = self.cleaned_data.get(f"{code}__numerator")
            denominator = self.cleaned_data.get(f"{code}__denominator")
            if numerator is not None or denominator is not None:
                given[code] = (numerator, denominator)
        return given

    def add_row_errors(self, errors: list[RowError], codes: list[str]) -> None:
        """Put the import service's errors on the fields they are about (row n is the n-th given item)."""
        for error in errors:
            code = codes[error.row - 1] if 0 < error.row <= len(codes) else None
            name = f"{code}__{error.field}" if code else ""
            if name in self.fields:
                self.add_error(name, error.reason)
            else:
                self.add_error(None, f"{code + ': ' if code else ''}{error.reason}")


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Returns file",
        help_text="CSV or Excel (.xlsx) in the long, wide or NHS layout; the header says which.",
    )
    collection = forms.ModelChoiceField(
        queryset=Collection.objects.order_by("code"),
        required=False,
        empty_label="Found from each row",
        to_field_name="code",
    )
    reason = forms.CharField(
        required=False,
        label="Reason for any change",
        help_text="Needed when the file changes values already approved.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SendBackForm(forms.Form):
    reason = forms.CharField(label="Why is it sent back?", widget=forms.Textarea(attrs={"rows": 3}))


class WarningForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(WarningStatus.CONFIRMED, "Confirm"), (WarningStatus.QUERIED, "Query")]
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

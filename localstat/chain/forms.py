from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from localstat.chain.models import Organisation, Service


class MoveUnitForm(forms.Form):
    service = forms.ModelChoiceField(queryset=Service.objects.none(), empty_label=None)
    new_manager = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label="New performance manager"
    )
    on = forms.DateField(label="From", help_text="For example, 2019-04-01")
    reason = forms.CharField(max_length=300, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(
        self, *args: Any, unit: Organisation, managers: QuerySet[Organisation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(
            chain_links__organisation=unit, chain_links__valid_to__isnull=True
        ).distinct()
        self.fields["new_manager"].queryset = managers.order_by("code")

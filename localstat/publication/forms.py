from typing import Any

from django import forms

from localstat.chain.models import Service


class ScheduleForm(forms.Form):
    service = forms.ModelChoiceField(
        queryset=Service.objects.filter(indicators__isnull=False).distinct().order_by("name"),
        to_field_name="code",
    )
    title = forms.CharField(max_length=200)
    publish_at = forms.DateTimeField(
        label="Publication time",
        help_text="For example 2019-05-02 09:30",
        input_formats=["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"],
    )
    change_note = forms.CharField(
        label="What changed (for a correction)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, services: list[Service] | None = None, **kwargs: Any) -> None:
        """``services``: the ones the person may announce releases of (the others are not offered)."""
        super().__init__(*args, **kwargs)
        if services is not None:
            field = self.fields["service"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Service.objects.filter(pk__in=[s.pk for s in services]).order_by("name")
            field.error_messages["invalid_choice"] = (
                "You announce releases only of your own department's services."
            )


class GrantForm(forms.Form):
    username = forms.CharField(label="Username of the person", max_length=150)
    reason = forms.CharField(label="Why they need it before publication", max_length=300)

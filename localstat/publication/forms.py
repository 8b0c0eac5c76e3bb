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


class GrantForm(forms.Form):
    username = forms.CharField(label="Username of the person", max_length=150)
    reason = forms.CharField(label="Why they need it before publication", max_length=300)

"""One form per negotiation step (seed 3.20), and the accountability forms. Parsing only: rules live in services."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.forms import formset_factory

from localstat.agreements.services import LocalPSASpec, TargetSpec
from localstat.framework.models import Indicator

DATE_HINT = "As YYYY-MM-DD, for example 2020-03-31."


def indicator_choices(service_id: int | None = None) -> list[tuple[str, str]]:
    indicators = Indicator.objects.order_by("code")
    if service_id is not None:
        indicators = indicators.filter(service_id=service_id)
    return [("", "Choose an indicator")] + [(i.code, f"{i.code}: {i.name}") for i in indicators]


class TargetForm(forms.Form):
    indicator = forms.ChoiceField(label="Indicator", choices=())
    level = forms.DecimalField(
        label="Level to reach",
        max_digits=16,
        decimal_places=4,
        required=False,
        help_text="Leave blank for a measure: monitored, with no level to reach.",
    )
    deadline = forms.DateField(label="Deadline", help_text=DATE_HINT, input_formats=["%Y-%m-%d"])
    description = forms.CharField(label="Why it matters locally", required=False, widget=forms.Textarea)
    responsible_officer = forms.CharField(
        label="Responsible officer",
        required=False,
        max_length=150,
        help_text="The named person who answers for it, and their post.",
    )
    action_plan = forms.CharField(label="Action plan", required=False, widget=forms.Textarea)
    milestones = forms.CharField(
        label="Trajectory (optional)",
        required=False,
        widget=forms.Textarea,
        help_text="One milestone a line: period start, level (2019-09-01, 94.5). Leave blank for a straight line "
        "from the latest approved value.",
    )

    def __init__(self, *args: Any, service_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = indicator_choices(service_id)

    def clean_milestones(self) -> list[tuple[str, str]]:
        rows = []
        for number, line in enumerate(self.cleaned_data["milestones"].splitlines(), 1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(",")]
            if len(parts) != 2 or not all(parts):
                raise forms.ValidationError(
                    f"Line {number}: write the period start and the level, separated by a comma."
                )
            rows.append((parts[0], parts[1]))
        return rows

    def spec(self) -> TargetSpec:
        data = self.cleaned_data
        return TargetSpec(
            indicator=data["indicator"],
            level=data["level"],
            deadline=data["deadline"],
            description=data["description"],
            responsible_officer=data["responsible_officer"],
            action_plan=data["action_plan"],
            milestones=data["milestones"],
            no_stretch_level=data.get("no_stretch_level"),
            reward_share=data.get("reward_share"),
        )


class StretchTargetForm(TargetForm):
    level = forms.DecimalField(label="Stretch level", max_digits=16, decimal_places=4)
    no_stretch_level = forms.DecimalField(
        label="No-stretch level",
        max_digits=16,
        decimal_places=4,
        help_text="Where it would be without the stretch.",
    )
    reward_share = forms.DecimalField(
        label="Share of the reward grant",
        max_digits=6,
        decimal_places=4,
        min_value=0,
        max_value=1,
        help_text="A fraction: 0.25 is a quarter of the grant.",
    )


def target_formset(
    *,
    local_psa: bool,
    rows: int,
    data: Any = None,
    initial: Any = None,
    service_id: int | None = None,
    can_delete: bool = False,
) -> Any:
    """The targets of a proposal (blank rows are skipped) or a revision (each pre-filled row can be left out)."""
    form = StretchTargetForm if local_psa else TargetForm
    formset_class = formset_factory(form, extra=rows, max_num=20, validate_max=True, can_delete=can_delete)
    return formset_class(data=data, initial=initial, prefix="targets", form_kwargs={"service_id": service_id})


class ProposalForm(forms.Form):
    proposer = forms.ChoiceField(label="Proposing organisation", choices=())
    service = forms.ChoiceField(label="Service", choices=())
    title = forms.CharField(
        label="Local priority", max_length=200, help_text="What the targets are about, in a line."
    )
    comment = forms.CharField(label="Comment", required=False, widget=forms.Textarea)
    partners = forms.CharField(
        label="Partner organisations (optional)",
        required=False,
        widget=forms.Textarea,
        help_text="One a line: organisation code, what it contributes (NSP, youth diversion).",
    )

    def __init__(
        self, *args: Any, proposers: list[tuple[str, str]], services: list[tuple[str, str]], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.fields["proposer"].choices = proposers
        self.fields["service"].choices = services

    def clean_partners(self) -> list[tuple[str, str]]:
        rows = []
        for line in self.cleaned_data["partners"].splitlines():
            if line.strip():
                code, _, contribution = line.partition(",")
                rows.append((code.strip(), contribution.strip()))
        return rows


class LocalPSAForm(forms.Form):
    starts_on = forms.DateField(label="Starts on", help_text=DATE_HINT, input_formats=["%Y-%m-%d"])
    ends_on = forms.DateField(label="Ends on", help_text=DATE_HINT, input_formats=["%Y-%m-%d"])
    reward_grant = forms.DecimalField(label="Reward grant (£)", max_digits=14, decimal_places=2, min_value=0)
    pump_priming_grant = forms.DecimalField(
        label="Pump-priming grant (£)", max_digits=14, decimal_places=2, min_value=0, initial=0
    )
    reward_threshold = forms.DecimalField(
        label="Reward threshold",
        max_digits=5,
        decimal_places=4,
        initial="0.6",
        help_text="Below this fraction of its stretch a target earns nothing (0.6 is 60%).",
    )
    reward_cap = forms.DecimalField(
        label="Reward cap",
        max_digits=5,
        decimal_places=4,
        initial="1",
        help_text="The most of its stretch counted.",
    )
    flexibilities = forms.CharField(
        label="Freedoms and flexibilities requested",
        required=False,
        widget=forms.Textarea,
        help_text="One a line: the freedom | the barrier to delivery it relaxes.",
    )

    def clean_flexibilities(self) -> list[tuple[str, str]]:
        rows = []
        for number, line in enumerate(self.cleaned_data["flexibilities"].splitlines(), 1):
            if not line.strip():
                continue
            freedom, bar, barrier = line.partition("|")
            if not bar or not freedom.strip() or not barrier.strip():
                raise forms.ValidationError(
                    f"Line {number}: write the freedom, a |, then the barrier it relaxes."
                )
            rows.append((freedom.strip(), barrier.strip()))
        return rows

    def spec(self) -> LocalPSASpec:
        d = self.cleaned_data
        return LocalPSASpec(
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
            reward_grant=d["reward_grant"],
            pump_priming_grant=d["pump_priming_grant"],
            reward_threshold=d["reward_threshold"],
            reward_cap=d["reward_cap"],
            flexibilities=d["flexibilities"],
        )


class CommentForm(forms.Form):
    comment = forms.CharField(label="Comment", widget=forms.Textarea)


class AgreeForm(forms.Form):
    style_of_relationship = forms.CharField(label="Style of relationship", widget=forms.Textarea)
    triggers = forms.CharField(label="Triggers for intervention", widget=forms.Textarea)
    escalation = forms.CharField(label="Escalation regime", widget=forms.Textarea)
    name = forms.CharField(label="Signed by", max_length=150, help_text="Your name as you sign.")
    job_title = forms.CharField(label="Job title", max_length=150)
    comment = forms.CharField(label="Comment", required=False, widget=forms.Textarea)


class SignForm(forms.Form):
    name = forms.CharField(label="Signed by", max_length=150, help_text="Your name as you sign.")
    job_title = forms.CharField(label="Job title", max_length=150)


class FlexibilityForm(forms.Form):
    description = forms.CharField(label="Freedom or flexibility", max_length=300)
    barrier = forms.CharField(label="Barrier to delivery it relaxes", max_length=300)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="Decision", choices=[("grant", "Grant"), ("refuse", "Refuse")])
    reason = forms.CharField(label="Reason", widget=forms.Textarea)


class RewardForm(forms.Form):
    as_of = forms.DateField(label="Assess as of", help_text=DATE_HINT, input_formats=["%Y-%m-%d"])


class AccountabilityForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    counterparty = forms.CharField(
        label="Counterparty (optional)",
        required=False,
        help_text="The other organisation's code, where it spans two.",
    )
    style_of_relationship = forms.CharField(label="Style of relationship", widget=forms.Textarea)
    triggers = forms.CharField(label="Triggers for intervention", widget=forms.Textarea)
    escalation = forms.CharField(label="Escalation regime", widget=forms.Textarea)
    starts_on = forms.DateField(label="Starts on", help_text=DATE_HINT, input_formats=["%Y-%m-%d"])
    ends_on = forms.DateField(label="Ends on", help_text=DATE_HINT, input_formats=["%Y-%m-%d"])


class GoalForm(forms.Form):
    outcome = forms.CharField(label="Goal (the outcome)", max_length=300)
    responsible_officer = forms.CharField(label="Responsible officer", max_length=150, required=False)
    responsible_role = forms.CharField(label="Their post", max_length=150, required=False)
    action_plan = forms.CharField(label="Action plan", required=False, widget=forms.Textarea)
    due_by = forms.DateField(
        label="Timescale: due by", required=False, help_text=DATE_HINT, input_formats=["%Y-%m-%d"]
    )


class GoalUpdateForm(forms.Form):
    responsible_officer = forms.CharField(label="Responsible officer", max_length=150, required=False)
    responsible_role = forms.CharField(label="Their post", max_length=150, required=False)
    action_plan = forms.CharField(label="Action plan", required=False, widget=forms.Textarea)
    due_by = forms.DateField(
        label="Timescale: due by", required=False, help_text=DATE_HINT, input_formats=["%Y-%m-%d"]
    )
    reason = forms.CharField(label="Why it changes", max_length=300)


class SignOffForm(forms.Form):
    name = forms.CharField(
        label="Signed off by", max_length=150, help_text="Your name, as the responsible manager."
    )


def iso(day: date | None) -> str:
    return day.isoformat() if day else ""

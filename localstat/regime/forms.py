from __future__ import annotations

from django import forms

from localstat.regime.choices import Decision

DECISIONS = [
    (Decision.CONFIRMED, "Confirm as proposed"),
    (Decision.CHANGED, "Change it"),
    (Decision.REJECTED, "Reject it"),
]


class RulesForm(forms.Form):
    source = forms.CharField(
        label="Rules (YAML)",
        help_text="The format is documented in docs/regime-rules.md. Saving makes a new draft version; "
        "nothing published changes until you publish it.",
        widget=forms.Textarea,
        max_length=100_000,
    )
    notes = forms.CharField(
        label="What changed, and why", required=False, widget=forms.Textarea, max_length=2000
    )
    as_of = forms.DateField(
        label="Preview as of",
        required=False,
        help_text="The preview reads the newest assessment run at or before this date (default: today).",
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=DECISIONS, widget=forms.RadioSelect)
    reason = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea,
        help_text="Needed to change or reject: it stays beside the rule's proposal.",
    )
    ends_on = forms.DateField(
        required=False, label="End date (to change a freedom)", help_text="For example 2019-10-31."
    )
    amount = forms.DecimalField(
        required=False, label="Amount in pounds (to change a grant)", max_digits=14, decimal_places=2
    )


class PaymentsForm(forms.Form):
    decision = forms.ChoiceField(choices=DECISIONS)
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)
    amount = forms.DecimalField(required=False, max_digits=14, decimal_places=2)

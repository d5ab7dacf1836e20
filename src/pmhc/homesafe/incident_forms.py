"""The forms of a missing-person incident: opening it, a sighting, and the outcome."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pmhc.homesafe.models import FoundCondition
from pmhc.platform.forms import USWDSMixin

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _when(label: Any, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )


class OpenIncidentForm(USWDSMixin, forms.Form):
    reported_at = _when(_("Reported missing at"))
    reported_by = forms.CharField(
        label=_("Reported by"), help_text=_("Who called."), max_length=200, required=False
    )
    call_number = forms.CharField(label=_("Call number"), max_length=40, required=False)
    last_seen_at = _when(_("Last seen at"), required=False)
    last_seen_place = forms.CharField(label=_("Last seen where"), max_length=300, required=False)
    clothing = forms.CharField(
        label=_("Wearing when last seen"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SightingForm(USWDSMixin, forms.Form):
    seen_at = _when(_("Seen at"))
    place = forms.CharField(label=_("Where"), max_length=300)
    note = forms.CharField(
        label=_("What was seen"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FoundForm(USWDSMixin, forms.Form):
    found_at = _when(_("Found at"))
    found_place = forms.CharField(label=_("Found where"), max_length=300)
    condition = forms.ChoiceField(
        label=_("Condition when found"),
        choices=FoundCondition.choices,
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
    )
    outcome_note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CloseForm(USWDSMixin, forms.Form):
    outcome_note = forms.CharField(
        label=_("Why the search ends"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

"""Input for the service directory: the phone form for capacity, "where can I take this
person now?", the directory's filter and the import file. Saving goes through
``directory_services``, which enforces the same limits."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pmhc.care.directory_selectors import TAKE_NOW_KINDS
from pmhc.care.directory_services import MAX_OPEN, MAX_WAIT_MINUTES
from pmhc.care.models import Condition, ServiceKind
from pmhc.platform.forms import USWDSMixin


class CapacityForm(USWDSMixin, forms.Form):
    capacity_open = forms.IntegerField(
        label=_("Open now"),
        min_value=0,
        max_value=MAX_OPEN,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("How many can take someone right now. 0 when full."),
    )
    wait_minutes = forms.IntegerField(
        label=_("Wait in minutes"),
        required=False,
        min_value=0,
        max_value=MAX_WAIT_MINUTES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Optional. From arrival to being seen, about."),
    )


CONDITION_CHOICES = [
    ("", _("Any or not known")),
    (Condition.MENTAL_HEALTH, Condition.MENTAL_HEALTH.label),
    (Condition.SUBSTANCE_USE, Condition.SUBSTANCE_USE.label),
    ("both", _("Both mental health and substance use")),
    (Condition.DEVELOPMENTAL, Condition.DEVELOPMENTAL.label),
]


class WhereNowForm(USWDSMixin, forms.Form):
    age = forms.IntegerField(
        label=_("Age of the person"),
        required=False,
        min_value=0,
        max_value=120,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("Leave empty if not known; places with an age limit are then still shown."),
    )
    condition = forms.ChoiceField(
        label=_("What the person needs help with"), choices=CONDITION_CHOICES, required=False
    )
    police_drop_off = forms.BooleanField(
        label=_("Police are bringing the person (police drop-off)"), required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind of place"),
        required=False,
        choices=[("", _("Any place that takes people now"))]
        + [(k.value, k.label) for k in TAKE_NOW_KINDS],
    )
    latitude = forms.DecimalField(
        label=_("Latitude of the scene"),
        min_value=-90,
        max_value=90,
        decimal_places=6,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("For example 40.0123. Use your location fills this in."),
    )
    longitude = forms.DecimalField(
        label=_("Longitude of the scene"),
        min_value=-180,
        max_value=180,
        decimal_places=6,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("For example -90.0456 (west is negative)."),
    )


class DirectoryFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *ServiceKind.choices]
    )

    def chosen(self) -> str:
        return str(self.cleaned_data.get("kind") or "") if self.is_valid() else ""


class DirectoryFileForm(USWDSMixin, forms.Form):
    file = forms.FileField(
        label=_("CSV file of services"),
        help_text=_("At most 1 MB and 1,000 rows, in UTF-8, with the columns listed above."),
        error_messages={"required": _("Choose the file to import.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".csv,text/csv"

"""Input for the people pages. Saving always goes through ``services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pmhc.people.models import Sex, Veteran
from pmhc.platform.forms import USWDSMixin


class SearchForm(USWDSMixin, forms.Form):
    q = forms.CharField(
        label=_("Name or alias"),
        max_length=100,
        help_text=_("Every word must match a name or an alias. Each person shown is recorded."),
    )


class PersonForm(USWDSMixin, forms.Form):
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    given_name = forms.CharField(label=_("Given name"), max_length=100, required=False)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    approximate_age = forms.IntegerField(
        label=_("Approximate age"),
        min_value=0,
        max_value=120,
        required=False,
        help_text=_("When the date of birth is not known."),
    )
    sex = forms.ChoiceField(
        label=_("Sex"),
        choices=Sex.choices,
        error_messages={"required": _("Choose the person's sex, or “Not known”.")},
    )
    veteran = forms.ChoiceField(
        label=_("Veteran"),
        choices=Veteran.choices,
        error_messages={"required": _("Say whether the person is a veteran, or “Not known”.")},
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Height, build, clothing, anything that helps."),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=200,
        required=False,
        help_text=_("Where they live or stay, if known. At most 200 characters."),
    )
    aliases = forms.CharField(
        label=_("Aliases"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One name per line."),
    )

    def clean_aliases(self) -> list[str]:
        text = str(self.cleaned_data.get("aliases") or "")
        return [line.strip() for line in text.splitlines() if line.strip()]

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

"""Input of the agency's Home Safe settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pmhc.homesafe.models import HomeSafeProgram
from pmhc.homesafe.program_services import MAX_AREAS
from pmhc.platform.forms import USWDSMixin

FIELDS = ["is_open", "area_served", "contact_name", "contact_email", "contact_phone"]


class ProgramForm(USWDSMixin, forms.Form):
    areas_text = forms.CharField(
        label=_("Areas"),
        required=False,
        max_length=6000,
        help_text=_(
            "Districts or neighborhoods, one per line (at most %(max)d). Families and officers "
            "choose from them; leave empty to let them write the area in their own words."
        )
        % {"max": MAX_AREAS},
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, data: Any = None, *, instance: HomeSafeProgram) -> None:
        initial = forms.model_to_dict(instance, fields=FIELDS)
        initial["areas_text"] = "\n".join(instance.areas or [])
        super().__init__(data, initial=initial)
        self.fields["contact_name"].help_text = _(
            "Who families contact to see or correct what is held, or to complain. Shown on the "
            "public pages."
        )

    def areas(self) -> list[str]:
        return str(self.cleaned_data.get("areas_text") or "").splitlines()


ProgramForm.base_fields = {
    **forms.fields_for_model(HomeSafeProgram, fields=FIELDS),
    **ProgramForm.base_fields,
}

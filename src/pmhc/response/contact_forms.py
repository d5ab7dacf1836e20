"""Input for the clinical contact note. Saving goes through ``contact_services``, which
enforces the same limits."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from pmhc.people.models import Person
from pmhc.platform.forms import USWDSMixin
from pmhc.response.contact_services import FOLLOW_UP_WITH_LIMIT, NOTE_LIMIT
from pmhc.response.models import RiskLevel

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class ContactNoteForm(USWDSMixin, forms.Form):
    person = forms.TypedChoiceField(
        label=_("Person seen"), required=False, coerce=int, empty_value=None
    )
    assessment_done = forms.ChoiceField(
        label=_("Was an assessment done?"), choices=YES_NO, widget=forms.RadioSelect
    )
    risk_level = forms.ChoiceField(
        label=_("Risk level"), choices=[("", _("Choose…")), *RiskLevel.choices]
    )
    safety_plan = forms.ChoiceField(
        label=_("Was a safety plan made?"), choices=YES_NO, widget=forms.RadioSelect
    )
    follow_up_with = forms.CharField(
        label=_("Follow-up with"),
        required=False,
        max_length=FOLLOW_UP_WITH_LIMIT,
        help_text=_("The person or service, e.g. the crisis clinic. Up to 200 characters."),
    )
    follow_up_on = forms.DateField(
        label=_("Follow-up date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Today or later. Leave both empty when no follow-up was arranged."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Clinical: read only by your organization's clinicians and case managers. "
            "Up to 4,000 characters."
        ),
    )

    def __init__(self, *args: object, people: Sequence[Person] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.people = {person.pk: person for person in people}
        field = self.fields["person"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Not recorded")), *((p.pk, str(p)) for p in people)]

    def chosen_person(self) -> Person | None:
        pk = self.cleaned_data.get("person")
        return self.people.get(pk) if pk is not None else None

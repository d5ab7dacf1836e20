"""Input for referrals. Saving goes through ``referral_services``, which enforces the same
limits and the transition table."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from pmhc.care.models import ReferralStatus, Service
from pmhc.care.referral_services import CLOSED_LIMIT, DECLINED_LIMIT, NOTE_LIMIT, REASON_LIMIT
from pmhc.people.models import Person
from pmhc.platform.forms import USWDSMixin


class ReferralForm(USWDSMixin, forms.Form):
    person = forms.TypedChoiceField(label=_("Person referred"), coerce=int)
    service = forms.TypedChoiceField(label=_("Service"), coerce=int)
    reason = forms.CharField(
        label=_("Reason for the referral"),
        max_length=REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Clinical: the receiving provider reads it, and your organization's clinicians and "
            "case managers. Up to 2,000 characters."
        ),
    )

    def __init__(
        self,
        *args: object,
        people: Sequence[Person] = (),
        services: Sequence[Service] = (),
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.people = {p.pk: p for p in people}
        self.services = {s.pk: s for s in services}
        person = self.fields["person"]
        service = self.fields["service"]
        assert isinstance(person, forms.TypedChoiceField)
        assert isinstance(service, forms.TypedChoiceField)
        person.choices = [("", _("Choose…")), *((p.pk, str(p)) for p in people)]
        service.choices = [
            ("", _("Choose…")),
            *((s.pk, f"{s.name} ({s.get_kind_display()})") for s in services),
        ]


class MoveForm(USWDSMixin, forms.Form):
    """One step of a referral: the state, and what that state needs."""

    status = forms.ChoiceField(choices=ReferralStatus.choices, widget=forms.HiddenInput)
    appointment_at = forms.DateTimeField(
        label=_("Appointment date and time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("In your organization's time zone. Within a year."),
    )
    reason = forms.CharField(
        label=_("Why"),
        required=False,
        max_length=max(DECLINED_LIMIT, CLOSED_LIMIT),
        help_text=_("Needed to decline. Up to 300 characters."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_LIMIT,
        help_text=_("Optional. Up to 500 characters."),
    )

"""Input for case management. Saving goes through ``case_services``, which enforces the same
limits."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from pmhc.care.case_services import (
    EVERY_DAYS_MAX,
    EVERY_DAYS_MIN,
    GOALS_LIMIT,
    NOTE_LIMIT,
    REASON_LIMIT,
)
from pmhc.care.models import CaseClosure, ContactKind, ContactOutcome
from pmhc.platform.forms import USWDSMixin
from pmhc.platform.models import User

GOALS_HELP = _(
    "Clinical: read only by your organization's case managers and clinicians. "
    "Up to 4,000 characters."
)


def _every_days() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Contact every (days)"),
        min_value=EVERY_DAYS_MIN,
        max_value=EVERY_DAYS_MAX,
        initial=7,
        help_text=_("How often you mean to be in touch: 1 to 90 days."),
    )


class OpenCaseForm(USWDSMixin, forms.Form):
    goals = forms.CharField(
        label=_("Goals"),
        required=False,
        max_length=GOALS_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=GOALS_HELP,
    )
    contact_every_days = _every_days()


class PlanForm(OpenCaseForm):
    next_contact_on = forms.DateField(
        label=_("Next contact due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Today or later. Logging a contact sets it again."),
    )


class ContactForm(USWDSMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of contact"), choices=ContactKind.choices, widget=forms.RadioSelect
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", _("Choose…")), *ContactOutcome.choices]
    )
    at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty for now. Contacts of the last 60 days can be logged."),
    )
    call = forms.TypedChoiceField(
        label=_("The call the visit followed"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("For a co-responder follow-up visit only."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=GOALS_HELP,
    )

    def __init__(
        self, *args: object, calls: Sequence[tuple[int, str]] = (), **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["call"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("None")), *calls]


class TransferForm(USWDSMixin, forms.Form):
    to_manager = forms.TypedChoiceField(label=_("Pass the case to"), coerce=int)
    reason = forms.CharField(
        label=_("Why"),
        max_length=REASON_LIMIT,
        help_text=_("Up to 300 characters. Read by your organization's case managers."),
    )

    def __init__(self, *args: object, managers: Sequence[User] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.managers = {user.pk: user for user in managers}
        field = self.fields["to_manager"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            ("", _("Choose…")),
            *((user.pk, user.display_name) for user in managers),
        ]

    def chosen(self) -> User:
        return self.managers[self.cleaned_data["to_manager"]]


class CloseForm(USWDSMixin, forms.Form):
    reason = forms.ChoiceField(
        label=_("Why the case closes"), choices=CaseClosure.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Closing note"),
        required=False,
        max_length=NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when the reason is Other. Clinical. Up to 4,000 characters."),
    )

    def __init__(self, *args: object, clinical: bool = True, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not clinical:
            # The note is clinical: those who may not write it neither see it nor choose
            # Other, which needs one.
            del self.fields["note"]
            field = self.fields["reason"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [c for c in CaseClosure.choices if c[0] != CaseClosure.OTHER]

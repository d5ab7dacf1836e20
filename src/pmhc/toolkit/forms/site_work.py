"""Forms of a learning site's own work, of the requester's answers on the status page, and of
the TTA staff's invitation of a site's coordinator. Limits are stated here and checked again
by the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pmhc.platform.forms import USWDSMixin
from pmhc.toolkit.models import ProgramTypeCode, Specialty
from pmhc.toolkit.services.site_work import (
    COVERED_LIMIT,
    MAX_DATES,
    MAX_VISITORS,
    NOTE_LIMIT,
    TRAVEL_LIMIT,
    TRAVEL_PURPOSE_LIMIT,
)

DATE_ERRORS = {"invalid": _("Enter a real date, as YYYY-MM-DD.")}
LIMIT = f"{TRAVEL_LIMIT:,.0f}"


class InviteCoordinatorForm(USWDSMixin, forms.Form):
    email = forms.EmailField(
        label=_("Coordinator's e-mail"),
        max_length=254,
        error_messages={
            "required": _("Enter the e-mail address to invite."),
            "invalid": _("Enter an e-mail address like name@agency.gov."),
        },
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)


class SiteProfileForm(USWDSMixin, forms.Form):
    program_types = forms.MultipleChoiceField(
        label=_("Program types your site practises"),
        choices=ProgramTypeCode.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    specialties = forms.MultipleChoiceField(
        label=_("Specialties"),
        choices=Specialty.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    description = forms.CharField(
        label=_("What your site can help with"),
        max_length=4000,
        required=False,
        help_text=_("Up to 4,000 characters. Markdown: paragraphs, lists and links."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    visit_includes = forms.CharField(
        label=_("What a visit includes"),
        max_length=4000,
        required=False,
        help_text=_("Up to 4,000 characters, e.g. a ride-along, a tour of the crisis center."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    contact_name = forms.CharField(label=_("Contact name"), max_length=200, required=False)
    contact_email = forms.EmailField(
        label=_("Contact e-mail"),
        required=False,
        error_messages={"invalid": _("Enter an e-mail address like name@agency.gov.")},
    )
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)


class AnswerForm(USWDSMixin, forms.Form):
    date_1 = forms.DateField(
        label=_("First date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages=DATE_ERRORS,
    )
    date_2 = forms.DateField(
        label=_("Second date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages=DATE_ERRORS,
    )
    date_3 = forms.DateField(
        label=_("Third date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages=DATE_ERRORS,
    )
    note = forms.CharField(
        label=_("Note to the requester"),
        max_length=NOTE_LIMIT,
        required=False,
        help_text=_("Up to 2,000 characters. The requester receives it by e-mail."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def dates(self) -> list[dt.date]:
        return [
            self.cleaned_data[f"date_{n}"]
            for n in range(1, MAX_DATES + 1)
            if self.cleaned_data.get(f"date_{n}")
        ]


class VisitForm(USWDSMixin, forms.Form):
    held_on = forms.DateField(
        label=_("Date of the visit"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Enter the date of the visit."), **DATE_ERRORS},
    )
    visitors = forms.IntegerField(
        label=_("How many visitors"),
        min_value=1,
        max_value=MAX_VISITORS,
        help_text=_("From 1 to 200."),
        error_messages={
            "required": _("Enter how many people visited."),
            "invalid": _("Enter a whole number."),
            "min_value": _("Enter from 1 to 200 visitors."),
            "max_value": _("Enter from 1 to 200 visitors."),
        },
    )
    covered = forms.CharField(
        label=_("What the visit covered"),
        max_length=COVERED_LIMIT,
        help_text=_("Up to 4,000 characters."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what the visit covered.")},
    )


class ChooseDateForm(USWDSMixin, forms.Form):
    day = forms.TypedChoiceField(
        label=_("Choose a date"),
        widget=forms.RadioSelect,
        coerce=dt.date.fromisoformat,
        error_messages={"required": _("Choose one of the dates.")},
    )

    def __init__(self, *args: Any, dates: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["day"].choices = [(d, d) for d in dates]  # type: ignore[attr-defined]


class TravelForm(USWDSMixin, forms.Form):
    requested = forms.DecimalField(
        label=_("Travel support asked for (US$)"),
        min_value=Decimal("0.01"),
        max_value=TRAVEL_LIMIT,
        max_digits=8,
        decimal_places=2,
        help_text=_("Up to $%(limit)s.") % {"limit": LIMIT},
        error_messages={
            "required": _("Enter the amount asked for."),
            "invalid": _("Enter an amount in dollars, e.g. 1250 or 1250.50."),
            "min_value": _("Enter an amount above $0."),
            "max_value": _("Enter an amount up to $%(limit)s.") % {"limit": LIMIT},
        },
    )
    purpose = forms.CharField(
        label=_("What it is for"),
        max_length=TRAVEL_PURPOSE_LIMIT,
        help_text=_("Up to 300 characters, e.g. airfare and two nights for three people."),
        error_messages={"required": _("Say what the support is for.")},
    )
    received = forms.DecimalField(
        label=_("Travel support received (US$)"),
        required=False,
        min_value=Decimal("0"),
        max_value=TRAVEL_LIMIT,
        max_digits=8,
        decimal_places=2,
        help_text=_("Leave empty until you know. Up to $%(limit)s.") % {"limit": LIMIT},
        error_messages={
            "invalid": _("Enter an amount in dollars, e.g. 1250 or 1250.50."),
            "min_value": _("Enter an amount from $0."),
            "max_value": _("Enter an amount up to $%(limit)s.") % {"limit": LIMIT},
        },
    )

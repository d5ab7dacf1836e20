"""Input of technical assistance: the public request form and the TTA staff's step forms."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pmhc.platform.forms import USWDSMixin
from pmhc.platform.models import User
from pmhc.toolkit.models import (
    HelpKind,
    JurisdictionType,
    LearningSite,
    ProgramTypeCode,
    TAStatus,
)
from pmhc.toolkit.selectors.assistance import active_sites, state_names

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

TEXT_LIMIT = 5000
#: Digits with the usual separators and an optional extension: "(555) 010-0199 ext. 12".
PHONE = re.compile(r"^\+?[\d\s().\-/]{7,}((x|ext\.?)\s*\d{1,6})?$", re.IGNORECASE)


def _site_label(site: LearningSite) -> str:
    place = ", ".join(p for p in (site.city, site.state) if p)
    return f"{site.agency} ({place})" if place else site.agency


class SiteChoiceField(forms.ModelChoiceField[LearningSite]):
    def label_from_instance(self, obj: LearningSite) -> str:
        return _site_label(obj)


class StaffChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


def _long_text(
    label: StrOrPromise,
    *,
    required: bool,
    help_text: StrOrPromise = "",
    required_message: StrOrPromise = "",
) -> forms.CharField:
    messages: dict[str, StrOrPromise] = {
        "max_length": _("Keep this under %(limit_value)d characters (it has %(show_value)d).")
    }
    if required_message:
        messages["required"] = required_message
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_LIMIT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages=messages,
    )


class TARequestForm(USWDSMixin, forms.Form):
    """The public request. The groups below are the fieldsets of the page."""

    GROUPS = (
        (_("Your jurisdiction"), ("jurisdiction_name", "jurisdiction_type", "state")),
        (
            _("How we reach you"),
            ("contact_name", "contact_title", "agency", "email", "phone", "address"),
        ),
        (
            _("What you need"),
            ("description", "issues", "steps_taken", "federal_grantee"),
        ),
        (
            _("Your preferences"),
            ("program_types", "preferred_help", "preferred_site"),
        ),
    )

    jurisdiction_name = forms.CharField(
        label=_("Jurisdiction name"),
        max_length=200,
        help_text=_("The city, county, tribal nation, state or region your program serves."),
        error_messages={"required": _("Enter the name of your jurisdiction.")},
    )
    jurisdiction_type = forms.ChoiceField(
        label=_("Type of jurisdiction"),
        choices=[("", _("- Choose -")), *JurisdictionType.choices],
        error_messages={"required": _("Choose the type of jurisdiction.")},
    )
    state = forms.ChoiceField(
        label=_("State"),
        choices=(),
        error_messages={"required": _("Choose the state your jurisdiction is in.")},
    )
    contact_name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Enter your name so we know whom to contact.")},
    )
    contact_title = forms.CharField(
        label=_("Your title"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    agency = forms.CharField(
        label=_("Agency or organization"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
        error_messages={"required": _("Enter the agency or organization you work for.")},
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("We send the reference number and the private status link here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Enter your e-mail address: we confirm your request by e-mail."),
            "invalid": _("Enter an e-mail address in the form name@agency.gov."),
        },
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    address = forms.CharField(
        label=_("Mailing address"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    description = _long_text(
        _("Describe your request"),
        required=True,
        help_text=_("What would you like help with? A few sentences are enough."),
        required_message=_("Describe what you need, so we can find the right help."),
    )
    issues = _long_text(_("Issues the assistance should address"), required=False)
    steps_taken = _long_text(
        _("Steps you have already taken"),
        required=False,
        help_text=_("For example: partners met, training held, policies drafted."),
    )
    federal_grantee = forms.BooleanField(
        label=_("Our agency or organization receives a federal grant for this work"),
        required=False,
    )
    program_types = forms.MultipleChoiceField(
        label=_("Program types you are interested in"),
        choices=ProgramTypeCode.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    preferred_help = forms.MultipleChoiceField(
        label=_("How would you like to be helped?"),
        choices=HelpKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    preferred_site = SiteChoiceField(
        label=_("Preferred learning site"),
        queryset=LearningSite.objects.none(),
        required=False,
        empty_label=_("No preference"),
        error_messages={"invalid_choice": _("That learning site is no longer taking requests.")},
    )
    consent_to_contact = forms.BooleanField(
        label=_("TTA staff may contact me by e-mail or phone about this request"),
        help_text=_(
            "Required: without your permission to contact you we cannot confirm or answer "
            "your request. We use your details for this request only."
        ),
        error_messages={
            "required": _(
                "Tick this box to let us contact you: we cannot confirm or answer a request "
                "without it."
            )
        },
    )
    #: A trap for automated spam. People never see it (it is hidden by pmhc.css); programs
    #: that fill in every field do.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("- Choose -")), *state_names().items()]  # type: ignore[attr-defined]
        self.fields["preferred_site"].queryset = active_sites()  # type: ignore[attr-defined]

    def clean_phone(self) -> str:
        phone = str(self.cleaned_data.get("phone", "")).strip()
        if phone and not PHONE.match(phone):
            raise forms.ValidationError(
                _("Enter a phone number with at least 7 digits, such as (555) 010-0199.")
            )
        return phone

    def clean_website(self) -> str:
        if str(self.cleaned_data.get("website", "")).strip():
            raise forms.ValidationError(
                _(
                    "This field catches automated spam: please empty it. (Your browser may "
                    "have filled it in for you.)"
                )
            )
        return ""

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(str(title), [self[name] for name in names]) for title, names in self.GROUPS]


# --- The staff's forms ----------------------------------------------------------------------

SHOW_CHOICES = [
    ("open", _("Open requests")),
    ("overdue", _("Overdue (not confirmed after 36 hours)")),
    ("mine", _("Assigned to me")),
    *[(value, label) for value, label in TAStatus.choices],
    ("all", _("All requests")),
]


class QueueFilterForm(USWDSMixin, forms.Form):
    show = forms.ChoiceField(label=_("Show"), choices=SHOW_CHOICES, required=False)


class AssignForm(USWDSMixin, forms.Form):
    assignee = StaffChoiceField(
        label=_("Assigned to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody yet"),
        error_messages={"invalid_choice": _("Choose a member of the TTA staff.")},
    )

    def __init__(self, *args: Any, staff: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff  # type: ignore[attr-defined]


class MatchForm(USWDSMixin, forms.Form):
    site = SiteChoiceField(
        label=_("Learning site"),
        queryset=LearningSite.objects.none(),
        empty_label=_("- Choose -"),
        error_messages={
            "required": _("Choose the learning site that will help."),
            "invalid_choice": _("That learning site is not active; choose another."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = active_sites()  # type: ignore[attr-defined]


class ScheduleForm(USWDSMixin, forms.Form):
    scheduled_for = forms.DateField(
        label=_("Date of the visit, call or training"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Enter the date."),
            "invalid": _("Enter a real date, as YYYY-MM-DD."),
        },
    )


class DeclineForm(USWDSMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for declining"),
        max_length=2000,
        help_text=_("The requester receives this reason by e-mail."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason; the requester will read it.")},
    )


class NoteForm(USWDSMixin, forms.Form):
    text = forms.CharField(
        label=_("Note"),
        max_length=TEXT_LIMIT,
        help_text=_("For TTA staff only; the requester never sees notes."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the note before adding it.")},
    )


class SLAFilterForm(USWDSMixin, forms.Form):
    period = forms.ChoiceField(
        label=_("Requests received"),
        required=False,
        choices=[
            ("", _("At any time")),
            ("30", _("In the last 30 days")),
            ("90", _("In the last 90 days")),
            ("365", _("In the last 12 months")),
        ],
    )

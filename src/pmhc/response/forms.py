"""Input for the encounter pages. Saving always goes through ``services``; the rules live in
``validation`` so the form and the services give the same messages beside the same fields."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pmhc.dispatch.models import PersonRole
from pmhc.people.models import Person, Sex
from pmhc.platform.forms import USWDSMixin
from pmhc.platform.models import User
from pmhc.platform.restricted import Withheld
from pmhc.response import validation
from pmhc.response.models import (
    ChargeLevel,
    Deescalation,
    Destination,
    Disposition,
    DispositionOutcome,
    EncounterStatus,
    Force,
    HousingStatus,
    Injury,
    LawOutcome,
    PresentingConcern,
    RaceEthnicity,
    ResponderRole,
    RestraintKind,
    Transport,
    TransportBy,
    WouldHaveGone,
)
from pmhc.response.validation import TEXT_LIMITS

WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"})
WHEN_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
#: A new person's description, as a report records it.
PERSON_DESCRIPTION_LIMIT = 2000


def _when(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=False, widget=WHEN, input_formats=WHEN_FORMATS)


def _limit(n: int, also: Any = "") -> Any:
    """The text limit, stated beside the field."""
    limit = _("Up to %(n)s characters.") % {"n": f"{n:,}"}
    return f"{also} {limit}" if also else limit


def _optional(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("Choose…")), *choices]


#: The report's sections, in the order an officer meets them at the scene.
SECTIONS: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
    ("scene", _("Scene"), ("arrived_at",)),
    ("observed", _("What you observed"), ("danger_to_self", "danger_to_others", "crime_suspected")),
    ("deescalation", _("De-escalation"), ("deescalation",)),
    (
        "force",
        _("Force and injury"),
        (
            "highest_force",
            "force_reason",
            "force_narrative",
            "officer_injury",
            "subject_injury",
            "other_injury",
            "swat_callout",
        ),
    ),
    ("disposition", _("Disposition"), ("disposition", "other_dispositions", "ed_otherwise")),
    (
        "arrest",
        _("Offence, arrest and diversion"),
        ("offence_present", "arrest_eligible", "law_outcome", "charge_level", "booked"),
    ),
    (
        "transport",
        _("Transport"),
        (
            "transport",
            "legal_basis",
            "transport_by",
            "destination_kind",
            "destination",
            "restraints_used",
            "restraint_kind",
        ),
    ),
    (
        "custody",
        _("Custodial transfer"),
        ("arrived_facility_at", "handoff_at", "refused_at_facility", "refusal_reason"),
    ),
    ("service", _("Back in service"), ("back_in_service_at",)),
    ("narrative", _("Narrative"), ("narrative",)),
)


class EncounterForm(USWDSMixin, forms.Form):
    arrived_at = _when(_("Arrived on scene"))
    danger_to_self = forms.BooleanField(label=_("Danger to self"), required=False)
    danger_to_others = forms.BooleanField(label=_("Danger to others"), required=False)
    crime_suspected = forms.BooleanField(label=_("A crime was suspected"), required=False)
    deescalation = forms.MultipleChoiceField(
        label=_("What helped calm things down"),
        choices=Deescalation.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    highest_force = forms.ChoiceField(label=_("Highest level of force"), choices=Force.choices)
    force_reason = forms.CharField(
        label=_("Reason for force"),
        max_length=TEXT_LIMITS["force_reason"],
        required=False,
        help_text=_limit(TEXT_LIMITS["force_reason"]),
    )
    force_narrative = forms.CharField(
        label=_("What force was used and why"),
        required=False,
        max_length=TEXT_LIMITS["force_narrative"],
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_limit(
            TEXT_LIMITS["force_narrative"], _("Required when force went above officer presence.")
        ),
    )
    officer_injury = forms.ChoiceField(label=_("Officer injury"), choices=Injury.choices)
    subject_injury = forms.ChoiceField(
        label=_("Injury to the person in crisis"), choices=Injury.choices
    )
    other_injury = forms.ChoiceField(label=_("Injury to others"), choices=Injury.choices)
    swat_callout = forms.BooleanField(label=_("SWAT was called out"), required=False)
    disposition = forms.ModelChoiceField(
        label=_("How it ended"),
        queryset=Disposition.objects.none(),
        required=False,
        empty_label=_("Choose…"),
        help_text=_("Required to submit. The one the counts use."),
    )
    other_dispositions = forms.ModelMultipleChoiceField(
        label=_("Other dispositions"),
        queryset=Disposition.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Any others that also apply, where the agency records more than one."),
    )
    ed_otherwise = forms.ChoiceField(
        label=_("Without this response, would the person have gone to an emergency department?"),
        choices=_optional(WouldHaveGone.choices),
        required=False,
    )
    offence_present = forms.BooleanField(label=_("An offence was involved"), required=False)
    arrest_eligible = forms.BooleanField(
        label=_("The person could have been arrested"),
        required=False,
        help_text=_("There were grounds to arrest, whatever was done."),
    )
    law_outcome = forms.ChoiceField(
        label=_("Arrested, cited or diverted"),
        choices=LawOutcome.choices,
        required=False,
        help_text=_("Diverted: taken to services instead of an arrest they could have faced."),
    )
    charge_level = forms.ChoiceField(
        label=_("Most serious possible charge"),
        choices=ChargeLevel.choices,
        required=False,
        help_text=_("Required when an offence was involved."),
    )
    booked = forms.BooleanField(label=_("Booked into jail"), required=False)
    transport = forms.ChoiceField(label=_("Transport"), choices=Transport.choices)
    legal_basis = forms.CharField(
        label=_("Legal basis for involuntary transport"),
        max_length=TEXT_LIMITS["legal_basis"],
        required=False,
        help_text=_limit(TEXT_LIMITS["legal_basis"], _("Required for an involuntary transport.")),
    )
    transport_by = forms.ChoiceField(
        label=_("Transported by"),
        choices=[("", _("Choose…")), *TransportBy.choices],
        required=False,
    )
    destination_kind = forms.ChoiceField(
        label=_("Taken to"),
        choices=_optional(Destination.choices),
        required=False,
        help_text=_("Required when the person was transported."),
    )
    destination = forms.CharField(
        label=_("Name of the facility"),
        max_length=TEXT_LIMITS["destination"],
        required=False,
        help_text=_limit(TEXT_LIMITS["destination"]),
    )
    restraints_used = forms.BooleanField(
        label=_("Restraints were used in transport"), required=False
    )
    restraint_kind = forms.ChoiceField(
        label=_("Kind of restraint"),
        choices=_optional(RestraintKind.choices),
        required=False,
        help_text=_("Required when restraints were used."),
    )
    arrived_facility_at = _when(_("Arrived at the facility"))
    handoff_at = _when(_("Handed off"))
    refused_at_facility = forms.BooleanField(
        label=_("The facility refused the person"), required=False
    )
    refusal_reason = forms.CharField(
        label=_("Why it refused"),
        max_length=TEXT_LIMITS["refusal_reason"],
        required=False,
        help_text=_limit(TEXT_LIMITS["refusal_reason"]),
    )
    back_in_service_at = _when(_("Back in service"))
    narrative = forms.CharField(
        label=_("Narrative"),
        required=False,
        max_length=TEXT_LIMITS["narrative"],
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_limit(
            TEXT_LIMITS["narrative"],
            _("Restricted: only those allowed to read safety information see it."),
        ),
    )

    def __init__(
        self,
        *args: Any,
        dispositions: QuerySet[Disposition],
        received_at: dt.datetime | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.received_at = received_at
        self.fields["disposition"].queryset = dispositions  # type: ignore[attr-defined]
        self.fields["other_dispositions"].queryset = dispositions  # type: ignore[attr-defined]
        #: Restricted fields the actor may not read, by name, with their labels: left out of
        #: the form (neither shown nor changed) and marked "Restricted" where they were.
        self.withheld: dict[str, Any] = {}

    def withhold(self, names: Iterable[str]) -> None:
        for name in names:
            field = self.fields.pop(name, None)
            if field is not None:
                self.withheld[name] = field.label

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "other_dispositions" in data:
            data["other_dispositions"] = sorted(d.pk for d in data["other_dispositions"])
        # Left out (an older page, a script): the first choice, as the select shows it.
        for name, default in (("law_outcome", LawOutcome.NONE), ("charge_level", "none")):
            if name in data and not data[name]:
                data[name] = default
        for name, message in validation.consistency(data, self.received_at).items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, message)
        return data

    def sections(
        self,
    ) -> list[tuple[str, Any, list[forms.BoundField], list[tuple[Any, Withheld]]]]:
        return [
            (
                key,
                title,
                [self[name] for name in names if name in self.fields],
                [(self.withheld[name], Withheld(name)) for name in names if name in self.withheld],
            )
            for key, title, names in SECTIONS
        ]


class AmendForm(EncounterForm):
    reason = forms.CharField(
        label=_("Why the report is being corrected"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the report is being corrected.")},
    )


class ResponderForm(USWDSMixin, forms.Form):
    user = forms.ModelChoiceField(
        label=_("A member of the agency"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Someone else (type a name)"),
    )
    name = forms.CharField(label=_("Name"), max_length=200, required=False, help_text=_limit(200))
    role = forms.ChoiceField(label=_("Role"), choices=ResponderRole.choices)
    arrived_at = _when(_("Arrived"))
    cleared_at = _when(_("Cleared"))

    def __init__(
        self,
        *args: Any,
        users: QuerySet[User],
        received_at: dt.datetime | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.received_at = received_at
        self.fields["user"].queryset = users  # type: ignore[attr-defined]
        self.fields["user"].label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("user") and not str(data.get("name") or "").strip():
            self.add_error("name", _("Choose a member or type the responder's name."))
        problems = validation.responder_time_problems(
            data.get("arrived_at"), data.get("cleared_at"), self.received_at
        )
        for name, message in problems.items():
            if name not in self.errors:
                self.add_error(name, message)
        return data


class ResponderTimesForm(USWDSMixin, forms.Form):
    """One responder's arrival and clear times, saved with the report."""

    arrived_at = _when(_("Arrived"))
    cleared_at = _when(_("Cleared"))

    def __init__(
        self, *args: Any, name: str, received_at: dt.datetime | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.received_at = received_at
        self.fields["arrived_at"].label = _("%(name)s arrived") % {"name": name}
        self.fields["cleared_at"].label = _("%(name)s cleared") % {"name": name}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        problems = validation.responder_time_problems(
            data.get("arrived_at"), data.get("cleared_at"), self.received_at
        )
        for name, message in problems.items():
            if name not in self.errors:
                self.add_error(name, message)
        return data


class PersonDetailsMixin(forms.Form):
    """What the responder recorded about the person at the encounter (voluntary)."""

    race_ethnicity = forms.MultipleChoiceField(
        label=_("Race and ethnicity"),
        choices=RaceEthnicity.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Voluntary, for equity analysis. Restricted: personal information."),
    )
    housing_status = forms.ChoiceField(
        label=_("Housing"), choices=HousingStatus.choices, required=False
    )
    presenting_concerns = forms.MultipleChoiceField(
        label=_("Presenting concern"),
        choices=PresentingConcern.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("As many as apply. Restricted: safety information."),
    )

    def clean_race_ethnicity(self) -> list[str]:
        races: list[str] = self.cleaned_data.get("race_ethnicity") or []
        if RaceEthnicity.NOT_RECORDED in races and len(races) > 1:
            raise forms.ValidationError(
                _("Choose “Not recorded” or the categories the person gave, not both.")
            )
        return races


#: The fields of ``PersonDetailsMixin``, as ``services.add_person`` takes them.
PERSON_DETAILS = ("race_ethnicity", "housing_status", "presenting_concerns")


class PersonPickForm(USWDSMixin, PersonDetailsMixin, forms.Form):
    person = forms.ModelChoiceField(
        label=_("A person on the call"), queryset=Person.objects.none(), empty_label=_("Choose…")
    )
    role = forms.ChoiceField(label=_("Involved as"), choices=PersonRole.choices)
    field_order = ["person", "role", *PERSON_DETAILS]

    def __init__(self, *args: Any, people: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        field.queryset = Person.objects.filter(pk__in=[p.pk for p in people])  # type: ignore[attr-defined]
        field.widget.choices = [("", _("Choose…")), *((p.pk, str(p)) for p in people)]


class NewPersonForm(USWDSMixin, PersonDetailsMixin, forms.Form):
    family_name = forms.CharField(
        label=_("Family name"), max_length=100, required=False, help_text=_limit(100)
    )
    given_name = forms.CharField(
        label=_("Given name"), max_length=100, required=False, help_text=_limit(100)
    )
    approximate_age = forms.IntegerField(
        label=_("Approximate age"), min_value=0, max_value=120, required=False
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=PERSON_DESCRIPTION_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_limit(PERSON_DESCRIPTION_LIMIT),
    )
    role = forms.ChoiceField(label=_("Involved as"), choices=PersonRole.choices)
    field_order = [
        "family_name",
        "given_name",
        "approximate_age",
        "sex",
        "description",
        "role",
        *PERSON_DETAILS,
    ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(str(data.get(k) or "").strip() for k in ("family_name", "given_name")) and not (
            str(data.get("description") or "").strip()
        ):
            self.add_error(None, _("Give a name or a description."))
        return data


class ReviewForm(USWDSMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept the report")), ("return", _("Return it for changes"))],
    )
    comment = forms.CharField(
        label=_("Comments for the author"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you return the report."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "return" and not str(data.get("comment") or "").strip():
            self.add_error("comment", _("Say what needs to change before you return it."))
        return data


STATUS_CHOICES = [("", _("Any status")), *EncounterStatus.choices]


class EncounterFilterForm(USWDSMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    since = forms.DateField(label=_("Calls from"), required=False, widget=DATE)
    until = forms.DateField(label=_("Calls to"), required=False, widget=DATE)
    force = forms.BooleanField(label=_("Force above officer presence"), required=False)
    cit = forms.BooleanField(label=_("A CIT-certified responder was there"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date must be on or after the start date."))
        return data


class DispositionForm(USWDSMixin, forms.Form):
    label = forms.CharField(label=_("Name"), max_length=120)
    outcome = forms.ChoiceField(label=_("Counts as"), choices=DispositionOutcome.choices)
    is_active = forms.BooleanField(label=_("In use on new reports"), required=False)


class NewDispositionForm(USWDSMixin, forms.Form):
    label = forms.CharField(label=_("Name"), max_length=120)
    outcome = forms.ChoiceField(label=_("Counts as"), choices=DispositionOutcome.choices)

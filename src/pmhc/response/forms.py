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
    Deescalation,
    Disposition,
    DispositionOutcome,
    EncounterStatus,
    Force,
    Injury,
    ResponderRole,
    Transport,
    TransportBy,
)

WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"})
WHEN_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def _when(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=False, widget=WHEN, input_formats=WHEN_FORMATS)


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
    ("disposition", _("Disposition"), ("disposition",)),
    ("transport", _("Transport"), ("transport", "legal_basis", "transport_by", "destination")),
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
    force_reason = forms.CharField(label=_("Reason for force"), max_length=300, required=False)
    force_narrative = forms.CharField(
        label=_("What force was used and why"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when force went above officer presence."),
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
        help_text=_("Required to submit."),
    )
    transport = forms.ChoiceField(label=_("Transport"), choices=Transport.choices)
    legal_basis = forms.CharField(
        label=_("Legal basis for involuntary transport"),
        max_length=200,
        required=False,
        help_text=_("Required for an involuntary transport."),
    )
    transport_by = forms.ChoiceField(
        label=_("Transported by"),
        choices=[("", _("Choose…")), *TransportBy.choices],
        required=False,
    )
    destination = forms.CharField(label=_("Destination"), max_length=200, required=False)
    arrived_facility_at = _when(_("Arrived at the facility"))
    handoff_at = _when(_("Handed off"))
    refused_at_facility = forms.BooleanField(
        label=_("The facility refused the person"), required=False
    )
    refusal_reason = forms.CharField(label=_("Why it refused"), max_length=300, required=False)
    back_in_service_at = _when(_("Back in service"))
    narrative = forms.CharField(
        label=_("Narrative"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Restricted: only those allowed to read safety information see it."),
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
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=ResponderRole.choices)

    def __init__(self, *args: Any, users: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users  # type: ignore[attr-defined]
        self.fields["user"].label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("user") and not str(data.get("name") or "").strip():
            self.add_error("name", _("Choose a member or type the responder's name."))
        return data


class PersonPickForm(USWDSMixin, forms.Form):
    person = forms.ModelChoiceField(
        label=_("A person on the call"), queryset=Person.objects.none(), empty_label=_("Choose…")
    )
    role = forms.ChoiceField(label=_("Involved as"), choices=PersonRole.choices)

    def __init__(self, *args: Any, people: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        field.queryset = Person.objects.filter(pk__in=[p.pk for p in people])  # type: ignore[attr-defined]
        field.widget.choices = [("", _("Choose…")), *((p.pk, str(p)) for p in people)]


class NewPersonForm(USWDSMixin, forms.Form):
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    given_name = forms.CharField(label=_("Given name"), max_length=100, required=False)
    approximate_age = forms.IntegerField(
        label=_("Approximate age"), min_value=0, max_value=120, required=False
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    role = forms.ChoiceField(label=_("Involved as"), choices=PersonRole.choices)

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

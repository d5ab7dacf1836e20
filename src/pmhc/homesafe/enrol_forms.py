"""Input of an enrolment: the public form a family fills in on a phone, the same form for
changes through the private link, and the agency's form for an enrolment taken in person."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pmhc.homesafe import enrol_services
from pmhc.homesafe.enrol_services import MAX_CAREGIVERS, PHOTO_MAX_MB, CaregiverEntry
from pmhc.homesafe.models import Condition, ConsentBy, EnrolledBy, Enrolment
from pmhc.platform.forms import USWDSMixin

PHONE = re.compile(r"^\+?[\d\s().\-/]{7,}((x|ext\.?)\s*\d{1,6})?$", re.IGNORECASE)
#: What the family writes about the person: the fields the service keeps.
PERSON_FIELDS = list(enrol_services.CONTENT_FIELDS)
LONG = (
    "address",
    "description",
    "communication",
    "medical_needs",
    "calming",
    "avoid",
    "routines",
    "places",
)

MODEL_FIELDS = [
    *PERSON_FIELDS,
    "consent_by",
    "consent_name",
    "submitter_name",
    "submitter_relationship",
    "submitter_email",
    "submitter_phone",
]

#: The form's modes: the public's first enrolment, the family's changes, the agency's.
PUBLIC, FAMILY, AGENCY = "public", "family", "agency"


class EnrolmentForm(USWDSMixin, forms.Form):
    """All of an enrolment. The groups below are the fieldsets of the page."""

    enrolled_by = forms.ChoiceField(
        label=_("Who is filling in this form"),
        choices=[("", _("- Choose -"))]
        + [(c.value, c.label) for c in EnrolledBy if c != EnrolledBy.AGENCY],
    )
    conditions = forms.MultipleChoiceField(
        label=_("Conditions"),
        required=False,
        choices=Condition.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    photo = forms.FileField(
        label=_("Recent photo"),
        required=False,
        help_text=_("A PNG or JPEG photo of the face, %(mb)d MB at most.") % {"mb": PHOTO_MAX_MB},
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_photo = forms.BooleanField(label=_("Remove the photo held now"), required=False)
    consent_confirmed = forms.BooleanField(
        label=_(
            "The person, or their legal guardian, agrees to this enrolment, knowing that the "
            "agency's officers and health partners may read it to find them and keep them safe."
        ),
        error_messages={"required": _("Tick this box: an enrolment needs consent.")},
    )

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        instance: Enrolment | None = None,
        mode: str = PUBLIC,
        areas: list[str] | None = None,
    ) -> None:
        initial = forms.model_to_dict(instance, fields=MODEL_FIELDS) if instance else {}
        super().__init__(data, files, initial=initial)
        self.instance = instance
        self.mode = mode
        if areas:
            self.fields["area"] = forms.ChoiceField(
                label=_("Area (district or neighborhood)"),
                required=False,
                choices=[("", _("- Choose -")), *((a, a) for a in areas)],
                widget=forms.Select(attrs={"class": "usa-select"}),
            )
        self.fields["consent_by"].choices = [("", _("- Choose -")), *ConsentBy.choices]  # type: ignore[attr-defined]
        self.fields["submitter_email"].help_text = _(
            "The private link to confirm, change or withdraw the enrolment is sent here."
        )
        for number in range(1, MAX_CAREGIVERS + 1):
            first = number == 1
            self.fields[f"caregiver_{number}_name"] = forms.CharField(
                label=_("Name"), required=first, max_length=200
            )
            self.fields[f"caregiver_{number}_relationship"] = forms.CharField(
                label=_("Relationship"), required=False, max_length=100
            )
            self.fields[f"caregiver_{number}_phone"] = forms.CharField(
                label=_("Phone"),
                required=first,
                max_length=40,
                widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            )
            self.fields[f"caregiver_{number}_email"] = forms.EmailField(
                label=_("E-mail"), required=False
            )
        if mode != PUBLIC:
            del self.fields["enrolled_by"]
        if mode == FAMILY:
            for name in ("consent_by", "consent_name", "consent_confirmed", "submitter_email"):
                del self.fields[name]
            if instance is not None:
                for index, caregiver in enumerate(instance.caregivers.all()[:MAX_CAREGIVERS]):
                    for part in ("name", "relationship", "phone", "email"):
                        self.initial.setdefault(
                            f"caregiver_{index + 1}_{part}", getattr(caregiver, part)
                        )
        else:
            del self.fields["remove_photo"]
        if mode == AGENCY:
            self.fields["consent_confirmed"].label = _(
                "The person, or their legal guardian, gave consent to this enrolment in person."
            )
            self.fields["submitter_name"].label = _("Family contact's name")
            self.fields["submitter_relationship"].label = _("Their relationship")
            self.fields["submitter_email"].label = _("Their e-mail")
            self.fields["submitter_phone"].label = _("Their phone")
            self.fields["submitter_email"].help_text = _(
                "The family's private link to see, change or withdraw the enrolment is sent here."
            )

    def clean_photo(self) -> Any:
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        try:
            return enrol_services.check_photo(upload)
        except ValidationError as exc:
            messages = (
                exc.message_dict.get("photo", exc.messages)
                if hasattr(exc, "error_dict")
                else exc.messages
            )
            raise forms.ValidationError(
                [*messages, _("Your other answers are kept below; choose the photo again.")]
            ) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for number in range(1, MAX_CAREGIVERS + 1):
            phone = str(data.get(f"caregiver_{number}_phone") or "").strip()
            if phone and not PHONE.match(phone):
                self.add_error(
                    f"caregiver_{number}_phone",
                    _("Enter a phone number with at least 7 digits, such as (555) 010-0199."),
                )
            name = str(data.get(f"caregiver_{number}_name") or "").strip()
            if phone and not name:
                self.add_error(f"caregiver_{number}_name", _("Give the name of who answers."))
            if name and not phone:
                self.add_error(f"caregiver_{number}_phone", _("Give their phone number."))
        return data

    # --- What the services take -------------------------------------------------------------

    def content(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in PERSON_FIELDS}

    def caregivers(self) -> list[CaregiverEntry]:
        return [
            CaregiverEntry(
                **{
                    part: str(self.cleaned_data.get(f"caregiver_{number}_{part}") or "")
                    for part in ("name", "relationship", "phone", "email")
                }
            )
            for number in range(1, MAX_CAREGIVERS + 1)
        ]

    def submitter(self) -> dict[str, str]:
        return {
            name: str(self.cleaned_data.get(name) or "") for name in enrol_services.SUBMITTER_FIELDS
        }

    def groups(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        """(title, hint, fields) of each fieldset, in the order of the page."""

        def present(*names: str) -> list[forms.BoundField]:
            return [self[name] for name in names if name in self.fields]

        groups: list[tuple[Any, str, list[forms.BoundField]] | None] = [
            (_("About you"), "", present("enrolled_by")) if self.mode == PUBLIC else None,
            (
                _("The person"),
                "",
                present(
                    "full_name", "preferred_name", "date_of_birth", "address", "area", "conditions"
                ),
            ),
            (
                _("What they look like"),
                "",
                present(
                    "photo",
                    "remove_photo",
                    "photo_taken_on",
                    "sex",
                    "height_cm",
                    "weight_kg",
                    "hair",
                    "eyes",
                    "description",
                ),
            ),
            (
                _("How to help them"),
                "",
                present("communication", "medical_needs", "calming", "avoid", "routines"),
            ),
            (
                _("Where they might go"),
                "",
                present(
                    "places", "attracted_to_water", "attracted_to_traffic", "wandering_direction"
                ),
            ),
            (
                _("Locative device"),
                str(_("A tracking device they wear or carry, if any.")),
                present("device_type", "device_identifier", "device_access"),
            ),
        ]
        for number in range(1, MAX_CAREGIVERS + 1):
            names = [
                f"caregiver_{number}_{part}" for part in ("name", "relationship", "phone", "email")
            ]
            hint = (
                str(_("Who to call first. A name and a phone number are needed."))
                if number == 1
                else str(_("(optional)"))
            )
            groups.append((str(_("Person to call %(n)d") % {"n": number}), hint, present(*names)))
        groups.append(
            (_("Consent"), "", present("consent_by", "consent_name", "consent_confirmed"))
        )
        groups.append(
            (
                _("How we reach you") if self.mode != AGENCY else _("The family's contact"),
                "",
                present(
                    "submitter_name", "submitter_relationship", "submitter_email", "submitter_phone"
                ),
            )
        )
        return [(str(group[0]), group[1], group[2]) for group in groups if group and group[2]]


# The model's own fields (labels, limits), then the form's own, which replace them.
EnrolmentForm.base_fields = {
    **forms.fields_for_model(
        Enrolment,
        fields=MODEL_FIELDS,
        widgets={
            "date_of_birth": forms.DateInput(attrs={"type": "date"}),
            "photo_taken_on": forms.DateInput(attrs={"type": "date"}),
            **{name: forms.Textarea(attrs={"rows": 3}) for name in LONG},
        },
    ),
    **EnrolmentForm.base_fields,
}


class ReviewForm(USWDSMixin, forms.Form):
    note = forms.CharField(
        label=_("Note to the family"),
        required=False,
        max_length=2000,
        help_text=_("Needed to decline: the family reads it on its private page."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

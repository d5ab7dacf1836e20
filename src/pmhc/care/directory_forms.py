"""Input for the service directory: a keeper's form for one service, the phone form for
capacity, "where can I take this person now?", the directory's filter and the import file.
Saving goes through ``directory_services``, which enforces the same limits."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pmhc.care.directory_selectors import TAKE_NOW_KINDS, provider_ids
from pmhc.care.directory_services import BOUNDED, MAX_OPEN, MAX_WAIT_MINUTES, NOT_A_PARTNER
from pmhc.care.models import Condition, Service, ServiceKind
from pmhc.platform.forms import USWDSMixin
from pmhc.platform.models import Organization


class CapacityForm(USWDSMixin, forms.Form):
    capacity_open = forms.IntegerField(
        label=_("Open now"),
        min_value=0,
        max_value=MAX_OPEN,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("How many can take someone right now. 0 when full."),
    )
    wait_minutes = forms.IntegerField(
        label=_("Wait in minutes"),
        required=False,
        min_value=0,
        max_value=MAX_WAIT_MINUTES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Optional. From arrival to being seen, about."),
    )


CONDITION_CHOICES = [
    ("", _("Any or not known")),
    (Condition.MENTAL_HEALTH, Condition.MENTAL_HEALTH.label),
    (Condition.SUBSTANCE_USE, Condition.SUBSTANCE_USE.label),
    ("both", _("Both mental health and substance use")),
    (Condition.DEVELOPMENTAL, Condition.DEVELOPMENTAL.label),
]


class WhereNowForm(USWDSMixin, forms.Form):
    age = forms.IntegerField(
        label=_("Age of the person"),
        required=False,
        min_value=0,
        max_value=120,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("Leave empty if not known; places with an age limit are then still shown."),
    )
    condition = forms.ChoiceField(
        label=_("What the person needs help with"), choices=CONDITION_CHOICES, required=False
    )
    police_drop_off = forms.BooleanField(
        label=_("Police are bringing the person (police drop-off)"), required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind of place"),
        required=False,
        choices=[("", _("Any place that takes people now"))]
        + [(k.value, k.label) for k in TAKE_NOW_KINDS],
    )
    latitude = forms.DecimalField(
        label=_("Latitude of the scene"),
        min_value=-90,
        max_value=90,
        decimal_places=6,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("For example 40.0123. Use your location fills this in."),
    )
    longitude = forms.DecimalField(
        label=_("Longitude of the scene"),
        min_value=-180,
        max_value=180,
        decimal_places=6,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("For example -90.0456 (west is negative)."),
    )


class DirectoryFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *ServiceKind.choices]
    )

    def chosen(self) -> str:
        return str(self.cleaned_data.get("kind") or "") if self.is_valid() else ""


class DirectoryFileForm(USWDSMixin, forms.Form):
    file = forms.FileField(
        label=_("CSV file of services"),
        help_text=_("At most 1 MB and 1,000 rows, in UTF-8, with the columns listed above."),
        error_messages={"required": _("Choose the file to import.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".csv,text/csv"


def _codes(text: str) -> list[str]:
    return sorted(
        {code.strip().lower() for code in text.replace(";", ",").split(",") if code.strip()}
    )


class ServiceForm(USWDSMixin, forms.ModelForm):
    """A keeper's form for one service; ``provider`` is typed as the organization's short name."""

    conditions = forms.MultipleChoiceField(
        label=_("Conditions taken"),
        choices=Condition.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any."),
    )
    languages = forms.CharField(
        label=_("Languages"),
        required=False,
        max_length=100,
        help_text=_("Two-letter codes separated by commas, e.g. en, es."),
    )
    provider = forms.CharField(
        label=_("Run by (organization's short name)"),
        required=False,
        max_length=50,
        help_text=_(
            "The slug of the organization that runs it, when it uses pmhc: its staff then keep "
            "the capacity current. Empty: your organization keeps it."
        ),
    )

    class Meta:
        model = Service
        fields = (
            "external_id",
            "name",
            "kind",
            "address",
            "latitude",
            "longitude",
            "phone",
            "hours",
            "open_all_hours",
            "min_age",
            "max_age",
            "conditions",
            "insurance",
            "eligibility_note",
            "police_drop_off",
            "no_refusal",
            "languages",
            "how_to_refer",
            "accepts_referrals",
            "capacity_unit",
            "capacity_total",
        )
        widgets = {"how_to_refer": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, keeper_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The organization whose directory holds the service: it names its provider.
        self.keeper_id = keeper_id
        instance = self.instance
        # Shown as the codes typed, never as the list the model holds.
        self.initial["languages"] = ", ".join(instance.languages or [])
        if instance.pk and instance.provider is not None:
            self.initial["provider"] = instance.provider.slug
        for name in ("latitude", "longitude"):
            field = self.fields[name]
            assert isinstance(field, forms.FloatField)
            field.widget = forms.TextInput(attrs={"inputmode": "decimal", "class": "usa-input"})
        # The same bounds as the import and the service: a larger figure is refused here with
        # a plain message, never left to the database.
        for name, high in BOUNDED.items():
            bounded = self.fields[name]
            bounded.validators.append(_within(0, high))
            bounded.widget.attrs.update({"min": 0, "max": high, "inputmode": "numeric"})
            bounded.help_text = _("A whole number from 0 to %(n)d.") % {"n": high}
        self.fields["latitude"].validators.append(_within(-90, 90))
        self.fields["longitude"].validators.append(_within(-180, 180))

    def clean_languages(self) -> list[str]:
        codes = _codes(self.cleaned_data.get("languages") or "")
        if any(len(code) != 2 or not code.isalpha() for code in codes):
            raise forms.ValidationError(_("Write two-letter codes, e.g. en, es."))
        return codes

    def clean_provider(self) -> int | None:
        slug = (self.cleaned_data.get("provider") or "").strip()
        if not slug:
            return None
        # Looked up among the keeper's partners only: whether another name exists is not said.
        allowed = provider_ids(self.keeper_id) if self.keeper_id is not None else frozenset()
        found = (
            Organization.objects.filter(slug=slug, pk__in=sorted(allowed))
            .values_list("pk", flat=True)
            .first()
        )
        if found is None:
            raise forms.ValidationError(NOT_A_PARTNER)
        return found

    def values(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["provider_id"] = self.cleaned_data["provider"]
        return data

    def _post_clean(self) -> None:
        # The service (``directory_services.save_service``) checks the record as a whole.
        pass


def _within(low: float, high: float) -> Any:
    def check(value: float | None) -> None:
        if value is not None and not low <= value <= high:
            raise forms.ValidationError(
                _("Give a number from %(low)s to %(high)s.") % {"low": low, "high": high}
            )

    return check

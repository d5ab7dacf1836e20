"""Input for the consent pages. Recording always goes through ``consent_services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pmhc.people.models import CONSENT_DATA_CLASSES, GivenBy
from pmhc.platform.forms import USWDSMixin
from pmhc.platform.models import Classification, Organization, Purpose

#: The purposes a person may consent to: care, not evaluation or administration (those read
#: de-identified or agency data, which needs no consent).
CONSENT_PURPOSES = (Purpose.ACTIVE_CALL, Purpose.CASE_MANAGEMENT, Purpose.EMERGENCY)
ANY = "any"
NAMED = "named"
#: How each data class a consent may cover reads on the form, the list and the printed copy.
DATA_CLASS_LABELS: dict[str, str] = {
    Classification.CLINICAL: str(_("Clinical records")),
    Classification.SUBSTANCE_USE: str(_("Substance use disorder records (42 CFR Part 2)")),
    "response_plan": str(_("Response plan")),
}


def data_class_label(value: str) -> str:
    return DATA_CLASS_LABELS.get(value, value)


class ConsentForm(USWDSMixin, forms.Form):
    given_by = forms.ChoiceField(label=_("Given by"), choices=GivenBy.choices)
    representative_name = forms.CharField(
        label=_("Representative's name"),
        max_length=200,
        required=False,
        help_text=_("Only when a legal representative gives the consent."),
    )
    representative_relationship = forms.CharField(
        label=_("Representative's relationship to the person"),
        max_length=100,
        required=False,
        help_text=_("Guardian, health care agent, parent of a minor."),
    )
    scope = forms.ChoiceField(
        label=_("To whom"),
        choices=[
            (NAMED, _("The organizations named below")),
            (ANY, _("Any partner under a data-sharing agreement (not for Part 2)")),
        ],
    )
    recipients = forms.ModelMultipleChoiceField(
        label=_("Recipient organizations"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Partners under a data-sharing agreement in force."),
    )
    data_classes = forms.MultipleChoiceField(
        label=_("What data"),
        choices=[(c, data_class_label(c)) for c in CONSENT_DATA_CLASSES],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose the kinds of data the consent covers.")},
    )
    purposes = forms.MultipleChoiceField(
        label=_("For what"),
        choices=[(p.value, p.label) for p in CONSENT_PURPOSES],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose the purposes the consent covers.")},
    )
    part2 = forms.BooleanField(
        label=_("42 CFR Part 2 consent (substance use disorder treatment records)"),
        required=False,
        help_text=_("Must name each recipient; the only kind that covers substance-use data."),
    )
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for a consent that lasts until it is revoked."),
    )
    document = forms.FileField(
        label=_("Signed copy"),
        required=False,
        help_text=_("A scan or photograph of the signed form: PDF, PNG or JPEG, up to 10 MB."),
    )

    def __init__(self, *args: Any, recipients: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["recipients"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Organization.objects.filter(pk__in=[o.pk for o in recipients]).order_by(
            "name"
        )

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        any_recipient = data["scope"] == ANY
        return {
            "given_by": data["given_by"],
            "representative_name": data["representative_name"],
            "representative_relationship": data["representative_relationship"],
            "any_recipient": any_recipient,
            "recipients": [] if any_recipient else list(data["recipients"]),
            "data_classes": data["data_classes"],
            "purposes": data["purposes"],
            "part2": data["part2"],
            "valid_from": data["valid_from"],
            "valid_until": data["valid_until"],
            "document": data["document"],
        }

"""Input for the response plan pages. Saving goes through ``plan_services``."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pmhc.people.plan_models import MAX_CONTACTS, MAX_STEPS
from pmhc.people.plan_services import (
    LINE_MAX,
    REVIEW_WITHIN_DAYS,
    TEXT_MAX,
    Contact,
    PlanContent,
)
from pmhc.platform.forms import USWDSMixin


class PlanForm(USWDSMixin, forms.Form):
    safety_concern = forms.CharField(
        label=gettext_lazy("Safety concern"),
        max_length=LINE_MAX,
        required=False,
        help_text=gettext_lazy(
            "One line that the call-taker reads out: weapons, violence history, anything that "
            "puts people at risk. At most 200 characters."
        ),
    )
    behaviors = forms.CharField(
        label=gettext_lazy("Behaviors and what they mean"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    triggers = forms.CharField(
        label=gettext_lazy("Triggers to avoid"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    de_escalation = forms.CharField(
        label=gettext_lazy("What helps, in order"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("One step per line, the first to try first. At most 10 steps."),
    )
    contacts = forms.CharField(
        label=gettext_lazy("Contacts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "One per line: name; how they are related (case manager, family, provider); how "
            "to reach them. At most 6."
        ),
    )
    language = forms.CharField(label=gettext_lazy("Language"), max_length=100, required=False)
    communication = forms.CharField(
        label=gettext_lazy("Communication needs"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    review_on = forms.DateField(
        label=gettext_lazy("Review by"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("After this date the plan shows as out of date. Within a year."),
        error_messages={"required": gettext_lazy("Give the date by which the plan is reviewed.")},
    )

    def clean_review_on(self) -> dt.date:
        value = self.cleaned_data["review_on"]
        today = timezone.localdate()
        if value <= today:
            raise forms.ValidationError(_("The review date must be after today."))
        if value > today + dt.timedelta(days=REVIEW_WITHIN_DAYS):
            raise forms.ValidationError(_("Set a review date within a year."))
        assert isinstance(value, dt.date)
        return value

    def clean_de_escalation(self) -> list[str]:
        text = str(self.cleaned_data.get("de_escalation") or "")
        steps = [line.strip() for line in text.splitlines() if line.strip()]
        if len(steps) > MAX_STEPS:
            raise forms.ValidationError(_("List at most %(max)d steps.") % {"max": MAX_STEPS})
        return steps

    def clean_contacts(self) -> list[Contact]:
        text = str(self.cleaned_data.get("contacts") or "")
        contacts = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split(";")]
            if len(parts) != 3 or not parts[0] or not parts[2]:
                raise forms.ValidationError(
                    _("Line %(line)d: write the name; the relation; how to reach them.")
                    % {"line": number}
                )
            contacts.append(Contact(name=parts[0], relation=parts[1], reach=parts[2]))
        if len(contacts) > MAX_CONTACTS:
            raise forms.ValidationError(_("List at most %(max)d contacts.") % {"max": MAX_CONTACTS})
        return contacts

    def content(self) -> PlanContent:
        data = self.cleaned_data
        return PlanContent(
            review_on=data["review_on"],
            safety_concern=data["safety_concern"],
            behaviors=data["behaviors"],
            triggers=data["triggers"],
            de_escalation=data["de_escalation"],
            contacts=data["contacts"],
            language=data["language"],
            communication=data["communication"],
        )

    @staticmethod
    def initial_from(content: PlanContent) -> dict[str, object]:
        return {
            "safety_concern": content.safety_concern,
            "behaviors": content.behaviors,
            "triggers": content.triggers,
            "de_escalation": "\n".join(content.de_escalation),
            "contacts": "\n".join(f"{c.name}; {c.relation}; {c.reach}" for c in content.contacts),
            "language": content.language,
            "communication": content.communication,
            "review_on": content.review_on,
        }

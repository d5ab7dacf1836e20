from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pmhc.evaluation.analysis_selectors import MAX_COMPARISON_DAYS, Grain
from pmhc.evaluation.metrics import METRICS
from pmhc.evaluation.models import ProgramChange, ProgramChangeKind
from pmhc.platform.forms import USWDSMixin

#: The measure a change is first looked at by: what it was meant to move.
DEFAULT_METRIC = {
    ProgramChangeKind.CIT: "cit_or_clinician",
    ProgramChangeKind.CO_RESPONDER: "clinician",
    ProgramChangeKind.MOBILE_CRISIS: "clinician",
}


class BeforeAfterForm(USWDSMixin, forms.Form):
    change = forms.TypedChoiceField(label=_("Program change"), coerce=int)
    metric = forms.ChoiceField(label=_("Measure"), choices=[(m.key, m.name) for m in METRICS])
    grain = forms.ChoiceField(
        label=_("Counted by"),
        choices=[(Grain.WEEK.value, _("Week")), (Grain.MONTH.value, _("Month"))],
        initial=Grain.WEEK.value,
        help_text=_("Weeks reach a year on each side of the change; months three years."),
    )

    def __init__(self, *args: Any, changes: Sequence[ProgramChange], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.changes = {change.pk: change for change in changes}
        field = self.fields["change"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (change.pk, f"{change.name} ({change.started_on.isoformat()})") for change in changes
        ]

    @staticmethod
    def initial_for(changes: Sequence[ProgramChange]) -> dict[str, Any]:
        if not changes:
            return {}
        newest = changes[0]
        return {
            "change": newest.pk,
            "metric": DEFAULT_METRIC.get(ProgramChangeKind(newest.kind), "connected"),
            "grain": Grain.WEEK.value,
        }


class ComparisonForm(USWDSMixin, forms.Form):
    since = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(
        label=_("To"),
        help_text=_("Both days included; at most five years."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    @staticmethod
    def initial_for(today: dt.date) -> dict[str, Any]:
        return {"since": today - dt.timedelta(days=365), "until": today}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until:
            if until < since:
                self.add_error("until", _("The end is before the start."))
            elif (until - since).days > MAX_COMPARISON_DAYS:
                self.add_error("until", _("The period is longer than five years."))
        return data

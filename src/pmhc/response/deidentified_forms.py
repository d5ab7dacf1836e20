"""The period of a de-identified download (``deidentified_selectors``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pmhc.platform.forms import USWDSMixin
from pmhc.response.deidentified_selectors import MAX_DAYS


class PeriodForm(USWDSMixin, forms.Form):
    since = forms.DateField(
        label=_("Calls received from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Calls received until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("That day included; a period is at most %(max)d days.") % {"max": MAX_DAYS},
    )

    @classmethod
    def default(cls, today: dt.date) -> dict[str, dt.date]:
        return {"since": today - dt.timedelta(days=365), "until": today - dt.timedelta(days=1)}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until:
            if until < since:
                self.add_error("until", _("The period ends before it starts."))
            elif (until - since).days >= MAX_DAYS:
                self.add_error("until", _("A period is at most %(max)d days.") % {"max": MAX_DAYS})
        return data

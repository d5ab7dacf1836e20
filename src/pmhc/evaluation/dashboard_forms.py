"""The dashboard's filters (a GET form): the period in months, the breakdowns' values the
figures are narrowed to, and the one breakdown shown beside them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pmhc.evaluation.dashboard_selectors import (
    DIMENSION_NAMES,
    MAX_MONTHS,
    Filters,
    default_period,
    first_of_month,
    months_between,
)
from pmhc.evaluation.models import DIMENSIONS
from pmhc.platform.forms import USWDSMixin

MONTH_FORMAT = "%Y-%m"
#: The breakdowns a filter narrows to by a chosen value (the CIT status has its own field).
TEXT_FILTERS: tuple[str, ...] = tuple(d for d in DIMENSIONS if d != "cit_responder")
ANY = _("Any")


def _month_field(label: str | Any, help_text: str | Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=[MONTH_FORMAT],
        widget=forms.DateInput(format=MONTH_FORMAT, attrs={"type": "month"}),
        help_text=help_text,
    )


class DashboardForm(USWDSMixin, forms.Form):
    since = _month_field(_("From month"))
    until = _month_field(
        _("To month"),
        _("That month included; a period is at most %(max)d months.") % {"max": MAX_MONTHS},
    )
    shift = forms.CharField(label=_("Shift"), required=False, max_length=40, widget=forms.Select)
    district = forms.CharField(
        label=_("District"), required=False, max_length=60, widget=forms.Select
    )
    route = forms.CharField(label=_("Route"), required=False, max_length=16, widget=forms.Select)
    cit_responder = forms.ChoiceField(
        label=_("CIT officer responded"),
        required=False,
        choices=[("", ANY), ("yes", _("Yes")), ("no", _("No"))],
    )
    program_type = forms.CharField(
        label=_("Program type"), required=False, max_length=30, widget=forms.Select
    )
    race_ethnicity = forms.CharField(
        label=_("Race or ethnicity"), required=False, max_length=30, widget=forms.Select
    )
    by = forms.ChoiceField(
        label=_("Break down by"),
        required=False,
        choices=[("", _("No breakdown")), *((d, DIMENSION_NAMES[d]) for d in DIMENSIONS)],
    )

    def __init__(self, data: Any, *, today: dt.date) -> None:
        self.today = today
        since, until = default_period(today)
        initial = {"since": since, "until": until}
        # An empty query is the default period; given values are checked as typed.
        bound = {k: v for k, v in data.items() if v != ""} if data else {}
        if "since" not in bound and "until" not in bound:
            bound = {**bound, **{k: v.strftime(MONTH_FORMAT) for k, v in initial.items()}}
        super().__init__(bound, initial=initial)
        for name in TEXT_FILTERS:
            self.fields[name].widget.choices = [("", ANY)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until:
            current = first_of_month(self.today)
            if until < since:
                self.add_error("until", _("The period ends before it starts."))
            elif len(months_between(since, until)) > MAX_MONTHS:
                self.add_error(
                    "until", _("A period is at most %(max)d months.") % {"max": MAX_MONTHS}
                )
            elif until > current:
                self.add_error("until", _("The period cannot end after the current month."))
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        where: dict[str, Any] = {name: data[name] for name in TEXT_FILTERS if data.get(name)}
        if data.get("cit_responder"):
            where["cit_responder"] = data["cit_responder"] == "yes"
        return Filters(
            since=first_of_month(data["since"]),
            until=first_of_month(data["until"]),
            where=where,
            by=data.get("by") or "",
        )

    def offer(self, choices: dict[str, list[tuple[str, str]]]) -> None:
        """Give the filters the values the period holds (and keep a chosen one that it does
        not, so the page says what it was narrowed to)."""
        for name in TEXT_FILTERS:
            found = list(choices.get(name, []))
            chosen = self.data.get(name, "")
            if chosen and chosen not in {value for value, _label in found}:
                found.append((chosen, chosen))
            self.fields[name].widget.choices = [("", ANY), *found]

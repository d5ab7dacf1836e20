"""The administrator's retention form: one number of days per kind of record, within its
bounds (checked here for the form's messages, and again by the service)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from pmhc.platform.forms import USWDSMixin
from pmhc.platform.retention_selectors import Schedule


def field_name(key: str) -> str:
    return key.replace(".", "__")


class RetentionForm(USWDSMixin, forms.Form):
    def __init__(self, schedules: Sequence[Schedule], *args: Any, **kwargs: Any) -> None:
        self.schedules = list(schedules)
        super().__init__(
            *args, initial={field_name(s.kind.key): s.days for s in schedules}, **kwargs
        )
        for schedule in self.schedules:
            kind = schedule.kind
            limits = {"label": kind.label, "min": kind.minimum_days, "max": kind.maximum_days}
            self.fields[field_name(kind.key)] = forms.IntegerField(
                label=_("%(label)s: keep for (days)") % {"label": kind.label},
                min_value=kind.minimum_days,
                max_value=kind.maximum_days,
                help_text=_(
                    "From %(min)d to %(max)d days (%(source)s); %(default)d unless you choose. "
                    "Counted from %(measured)s. Past it: %(action)s."
                )
                % {
                    **limits,
                    "source": kind.bound_source,
                    "default": kind.default_days,
                    "measured": kind.measured_from,
                    "action": str(kind.action.label).lower(),
                },
                error_messages={
                    "min_value": _("%(label)s: keep for at least %(min)d days.") % limits,
                    "max_value": _("%(label)s: keep for at most %(max)d days.") % limits,
                    "invalid": _("%(label)s: enter a whole number of days.") % limits,
                    "required": _("%(label)s: enter the number of days.") % limits,
                },
            )
            self.fields[field_name(kind.key)].widget.attrs.update(
                {"inputmode": "numeric", "class": "usa-input usa-input--small"}
            )

    def days(self) -> dict[str, int]:
        return {s.kind.key: self.cleaned_data[field_name(s.kind.key)] for s in self.schedules}

    def show(self, exc: ValidationError) -> None:
        """The service's refusal, by the field of each kind it names."""
        for key, errors in exc.message_dict.items():
            name = field_name(key)
            for error in errors:
                self.add_error(name if name in self.fields else None, error)

"""The Measure settings form: the smallest count shown and the public page (checked here for
the form's messages, and again by the service)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pmhc.evaluation import metrics
from pmhc.evaluation.models import MAX_MIN_CELL, PUBLIC_MIN_CELL, MeasureSettings
from pmhc.platform.forms import USWDSMixin


class SettingsForm(USWDSMixin, forms.Form):
    min_cell_size = forms.IntegerField(
        label=_("Smallest count shown"),
        min_value=PUBLIC_MIN_CELL,
        max_value=MAX_MIN_CELL,
        help_text=_(
            "A whole number from %(low)d to %(high)d. Counts below it are hidden on the public "
            "page and in breakdowns, with the other counts needed so that none can be worked "
            "out from the totals."
        )
        % {"low": PUBLIC_MIN_CELL, "high": MAX_MIN_CELL},
    )
    public = forms.BooleanField(
        label=_("Publish a public page of these figures (anyone may read it, without signing in)"),
        required=False,
    )
    public_metrics = forms.MultipleChoiceField(
        label=_("Measures on the public page"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(m.key, m.name) for m in metrics.METRICS],
        help_text=_("Choose at least one to publish."),
    )

    def __init__(self, *args: Any, settings: MeasureSettings, **kwargs: Any) -> None:
        super().__init__(
            *args,
            initial={
                "min_cell_size": settings.min_cell_size,
                "public": settings.public,
                "public_metrics": list(settings.public_metrics or []),
            },
            **kwargs,
        )
        self.fields["min_cell_size"].widget.attrs.update(
            {"inputmode": "numeric", "class": "usa-input usa-input--small"}
        )

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "min_cell_size": data["min_cell_size"],
            "public": data["public"],
            "public_metrics": list(data["public_metrics"]),
        }

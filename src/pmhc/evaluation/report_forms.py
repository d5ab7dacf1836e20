"""The quarterly report's forms: which quarter, and the coordinator's narratives (each limit
checked here for the form's messages, and again by the service)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pmhc.evaluation import report_selectors
from pmhc.platform.forms import USWDSMixin


class QuarterForm(USWDSMixin, forms.Form):
    year = forms.IntegerField(
        label=_("Year"), min_value=report_selectors.FIRST_YEAR, max_value=2100
    )
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        coerce=int,
        choices=[
            (1, _("1 (January to March)")),
            (2, _("2 (April to June)")),
            (3, _("3 (July to September)")),
            (4, _("4 (October to December)")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.attrs.update(
            {"inputmode": "numeric", "class": "usa-input usa-input--small"}
        )


class NarrativeForm(USWDSMixin, forms.Form):
    def __init__(self, *args: Any, narratives: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, initial=narratives, **kwargs)
        for key, title in report_selectors.SECTIONS:
            self.fields[key] = forms.CharField(
                label=_("Narrative: %(section)s") % {"section": title},
                required=False,
                max_length=report_selectors.NARRATIVE_LIMIT,
                strip=False,
                widget=forms.Textarea(attrs={"rows": 5}),
                help_text=_("Up to %(limit)d characters.")
                % {"limit": report_selectors.NARRATIVE_LIMIT},
            )

    def narratives(self) -> dict[str, str]:
        return {key: self.cleaned_data[key] for key, _title in report_selectors.SECTIONS}

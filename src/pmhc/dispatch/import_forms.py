"""Input of the CAD import's pages: the upload form and the mapping form."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pmhc.dispatch.models import ImportFormat, ImportMapping
from pmhc.platform.forms import USWDSMixin


class ImportUploadForm(USWDSMixin, forms.Form):
    file = forms.FileField(
        label=_("CAD export"),
        help_text=_("A CSV file, or NENA EIDD-style JSON (a list of incidents, or one per line)."),
        widget=forms.FileInput(attrs={"accept": ".csv,.json,.jsonl,text/csv,application/json"}),
    )
    format = forms.ChoiceField(label=_("Format"), choices=ImportFormat.choices)
    mapping = forms.ModelChoiceField(
        label=_("Column mapping"),
        queryset=ImportMapping.objects.none(),
        required=False,
        empty_label=_("None: the file has the standard columns"),
    )
    all_or_nothing = forms.BooleanField(
        label=_("All or nothing"),
        required=False,
        help_text=_("Import nothing if any row is rejected. The rejected rows are still listed."),
    )

    def __init__(self, *args: Any, mappings: QuerySet[ImportMapping], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mapping"].queryset = mappings  # type: ignore[attr-defined]


class MappingForm(USWDSMixin, forms.Form):
    name = forms.SlugField(
        label=_("Name"),
        max_length=60,
        help_text=_("Letters, digits and hyphens, such as county-cad."),
    )
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    format = forms.ChoiceField(label=_("Format"), choices=ImportFormat.choices)
    config = forms.CharField(
        label=_("Mapping (JSON)"),
        widget=forms.Textarea(
            attrs={"rows": 16, "spellcheck": "false", "class": "usa-textarea pmhc-mono"}
        ),
        help_text=_("Columns, date formats, date parts and value maps, as described on this page."),
    )

    def clean_config(self) -> dict[str, Any]:
        text = self.cleaned_data["config"]
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(
                _("This is not valid JSON: %(error)s.") % {"error": exc}
            ) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(_("A mapping is a JSON object, between { and }."))
        return value

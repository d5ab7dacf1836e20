"""The registry search form: every part optional, each limited; at least one is needed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pmhc.homesafe.models import Condition
from pmhc.homesafe.search_selectors import MAX_WORDS, SearchQuery
from pmhc.platform.forms import USWDSMixin

MAX_AGE = 120


class SearchForm(USWDSMixin, forms.Form):
    text = forms.CharField(
        label=_("Description"),
        help_text=_("Name, or words about how they look: hair, eyes, build, clothing, glasses."),
        max_length=200,
        required=False,
    )
    age_from = forms.IntegerField(
        label=_("Age from"), min_value=0, max_value=MAX_AGE, required=False
    )
    age_to = forms.IntegerField(label=_("Age to"), min_value=0, max_value=MAX_AGE, required=False)
    area = forms.CharField(
        label=_("Area"), help_text=_("District or neighborhood."), max_length=100, required=False
    )
    places = forms.CharField(
        label=_("Places they go"),
        help_text=_("A place they like or a past home: a park, a store, a street."),
        max_length=100,
        required=False,
    )
    conditions = forms.MultipleChoiceField(
        label=_("Condition"),
        choices=Condition.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    water = forms.BooleanField(label=_("Drawn to water"), required=False)
    traffic = forms.BooleanField(label=_("Drawn to traffic or roads"), required=False)

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"]
        if len(text.split()) > MAX_WORDS:
            raise ValidationError(
                _("Use at most %(limit)d words."), params={"limit": MAX_WORDS}, code="words"
            )
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("age_from"), data.get("age_to")
        if low is not None and high is not None and low > high:
            self.add_error("age_to", _("“Age to” is at least “Age from”."))
        return data

    def query(self) -> SearchQuery:
        data = self.cleaned_data
        return SearchQuery(
            words=tuple(data.get("text", "").split()),
            age_from=data.get("age_from"),
            age_to=data.get("age_to"),
            area=data.get("area", "").strip(),
            places=data.get("places", "").strip(),
            conditions=tuple(data.get("conditions") or ()),
            water=bool(data.get("water")),
            traffic=bool(data.get("traffic")),
        )

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pmhc.evaluation.models import ProgramChangeKind
from pmhc.platform.forms import USWDSMixin


class ProgramChangeForm(USWDSMixin, forms.Form):
    kind = forms.ChoiceField(label=_("What changed"), choices=ProgramChangeKind.choices)
    name = forms.CharField(
        label=_("Name"),
        max_length=120,
        help_text=_("As the program calls it, e.g. “Co-responder team started”."),
    )
    started_on = forms.DateField(
        label=_("Started on"),
        help_text=_("The first day of the change: the analysis counts it as the first day after."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        required=False,
        help_text=_("What changed, in a few words. Put nothing about a person here."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

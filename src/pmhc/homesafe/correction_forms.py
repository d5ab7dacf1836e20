"""Input of the complaint and correction requests, and of the agency's answer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pmhc.homesafe.correction_services import TEXT_MAX
from pmhc.homesafe.models import CorrectionKind, CorrectionRequest
from pmhc.platform.forms import USWDSMixin


class CorrectionForm(USWDSMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("- Choose -")), *CorrectionKind.choices]  # type: ignore[attr-defined]
        self.fields["text"].help_text = _(
            "Say which enrolment it is about (the person's name or its reference) and what you "
            "ask. At most %(max)d characters."
        ) % {"max": TEXT_MAX}


CorrectionForm.base_fields = forms.fields_for_model(
    CorrectionRequest,
    fields=["kind", "name", "email", "phone", "text"],
    widgets={"text": forms.Textarea(attrs={"rows": 6})},
)


class AnswerForm(USWDSMixin, forms.Form):
    answer = forms.CharField(
        label=_("Answer"),
        max_length=TEXT_MAX,
        help_text=_("Sent to the asker by e-mail."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )

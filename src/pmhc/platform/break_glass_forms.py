"""The break-glass forms: the reason typed to start a use, and a supervisor's review."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pmhc.platform.forms import USWDSMixin
from pmhc.platform.models import BreakGlassUse, Organization


class BreakGlassStartForm(USWDSMixin, forms.Form):
    organization = forms.TypedChoiceField(label=_("Organization"), coerce=int)
    reason = forms.CharField(
        label=_("Why do you need emergency access?"),
        max_length=BreakGlassUse.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Say what the emergency is and whose record you need, in up to %(max)d characters. "
            "A supervisor reads this when reviewing the use."
        )
        % {"max": BreakGlassUse.REASON_MAX_LENGTH},
        error_messages={"required": _("Say why you need emergency access.")},
    )

    def __init__(self, *args: Any, organizations: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(o.pk, o.name) for o in organizations]
        if len(organizations) == 1:
            field.initial = organizations[0].pk
            field.widget = forms.HiddenInput()


class BreakGlassReviewForm(USWDSMixin, forms.Form):
    justified = forms.TypedChoiceField(
        label=_("Was this use justified?"),
        choices=[("", _("- Select -")), ("yes", _("Justified")), ("no", _("Not justified"))],
        coerce=lambda value: value == "yes",
        error_messages={"required": _("Choose justified or not justified.")},
    )
    note = forms.CharField(
        label=_("Review note"),
        required=False,
        max_length=BreakGlassUse.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

"""Input for data-sharing agreements: the terms, and the reason given to decline or end one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pmhc.platform.agreement_services import CLOSE_REASON_MAX
from pmhc.platform.forms import USWDSMixin


class ReasonForm(USWDSMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=CLOSE_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Up to 300 characters. Every party sees it in its audit trail."),
        error_messages={"max_length": _("Keep the reason to 300 characters.")},
    )

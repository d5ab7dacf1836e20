"""Input for the pages that resolve people. Saving always goes through ``identity_services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pmhc.platform.forms import USWDSMixin


class LinkageSettingsForm(USWDSMixin, forms.Form):
    auto_link_at = forms.FloatField(
        label=_("Link at once from"),
        min_value=0.5,
        max_value=1.0,
        help_text=_(
            "A likelihood between 0.5 and 1. Pairs at least this likely to be one person are "
            "linked without review."
        ),
    )
    review_from = forms.FloatField(
        label=_("Send to review from"),
        min_value=0.05,
        max_value=1.0,
        help_text=_(
            "A likelihood between 0.05 and 1, no higher than the first. Pairs from here up "
            "to the first wait for someone to decide."
        ),
    )
    utilizer_contacts = forms.IntegerField(
        label=_("High utilizer: contacts"),
        min_value=2,
        max_value=100,
        help_text=_("Between 2 and 100. A person with at least this many contacts…"),
    )
    utilizer_days = forms.IntegerField(
        label=_("High utilizer: days"),
        min_value=7,
        max_value=730,
        help_text=_("…within this many days (between 7 and 730) is on the high-utilizer list."),
    )


class MergeForm(USWDSMixin, forms.Form):
    other = forms.IntegerField(
        label=_("Person number to merge into this one"),
        min_value=1,
        help_text=_("The number shown at the top of the other person's page."),
        error_messages={"required": _("Give the number of the other person.")},
    )


class PeopleFileForm(USWDSMixin, forms.Form):
    file = forms.FileField(
        label=_("CSV file of people"),
        help_text=_("At most 2 MB and 5,000 rows, in UTF-8, with the columns listed above."),
        error_messages={"required": _("Choose the file to import.")},
    )

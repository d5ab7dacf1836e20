"""The words every consent carries, on its page, its printed form and its FHIR resource.

A 42 CFR Part 2 consent carries the notice that the records it releases may not be disclosed
again except as the rule allows (42 CFR 2.32): the regulation's short statement, followed by
what it means in plain words.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

#: The section that requires the notice.
PART2_SECTION = "42 CFR 2.32"
#: The regulation's own short statement (42 CFR 2.32(a)(2)).
PART2_STATEMENT = _("42 CFR part 2 prohibits unauthorized use or disclosure of these records.")
#: What it means, in plain words.
PART2_PLAIN = _(
    "The records shared under this consent are protected by the federal rule on the "
    "confidentiality of substance use disorder patient records (42 CFR part 2). Whoever "
    "receives them may not pass them on, or use them, except as the person's written consent "
    "or the rule itself allows (42 CFR 2.32). A general authorization to release medical "
    "information is not enough. The rule also limits using these records against the person "
    "in a criminal, civil or administrative proceeding."
)
#: What the person is told about revoking.
REVOCATION = _(
    "You may revoke this consent at any time, in writing or in person, at the organization "
    "that recorded it. Revoking takes effect at once for anything not already shared."
)

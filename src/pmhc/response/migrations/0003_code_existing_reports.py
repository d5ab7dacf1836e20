"""Reports filed before destinations and arrests were coded: the kind of place is read from
common words in the free-text destination, which stays as the facility's name (a destination
no word matches counts as "other"); a report whose disposition counts as an arrest records
the person as arrested for an offence they could be arrested for (the possible charge is
left for an amendment to say)."""

from __future__ import annotations

import re
from typing import Any

from django.db import migrations

#: Common words, checked in this order (a "crisis unit" in a hospital is a crisis center, a
#: "psychiatric emergency" service is an emergency department).
WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("emergency_department", ("emergency", "er", "ed", "e r")),
    ("crisis_center", ("crisis", "stabilization", "receiving", "triage")),
    ("detox", ("detox", "sobering", "withdrawal")),
    ("psychiatric_hospital", ("psychiatric", "psych", "state hospital")),
    ("jail", ("jail", "detention center", "booking", "lockup")),
    ("shelter", ("shelter",)),
    ("home", ("home", "residence", "scene", "family", "friend")),
)


def kind_of(text: str) -> str:
    """The kind of place a free-text destination names; words match whole words."""
    padded = " " + " ".join(re.findall(r"[a-z]+", text.lower())) + " "
    for kind, words in WORDS:
        if any(f" {word} " in padded for word in words):
            return kind
    return "other"


def forwards(apps: Any, schema_editor: Any) -> None:
    Encounter = apps.get_model("response", "Encounter")
    rows = Encounter.objects.exclude(destination="").filter(destination_kind="")
    for encounter in rows.only("pk", "destination").iterator(chunk_size=1000):
        Encounter.objects.filter(pk=encounter.pk).update(
            destination_kind=kind_of(encounter.destination)
        )
    Encounter.objects.filter(disposition__outcome="arrest", law_outcome="none").update(
        offence_present=True, arrest_eligible=True, law_outcome="arrested"
    )


class Migration(migrations.Migration):
    dependencies = [("response", "0002_encounter_outcome_fields")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

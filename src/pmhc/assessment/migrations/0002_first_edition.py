"""Publish the first edition of the self-assessment instrument.

The edition is copied into the database here, so later editions (revised by TTA staff in the
product) and the assessments taken with this one never depend on the Python constants again.
"""

from django.db import migrations
from django.utils import timezone


def publish_first_edition(apps, schema_editor):
    from pmhc.assessment.instrument import content_from_specs
    from pmhc.assessment.instrument_content import ELEMENTS, PROFILE

    Instrument = apps.get_model("assessment", "Instrument")
    if Instrument.objects.filter(edition=1).exists():
        return
    Instrument.objects.create(
        edition=1,
        status="published",
        content=content_from_specs(PROFILE, ELEMENTS),
        note="First edition.",
        published_at=timezone.now(),
    )


def remove_first_edition(apps, schema_editor):
    apps.get_model("assessment", "Instrument").objects.filter(edition=1).delete()


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]

    operations = [migrations.RunPython(publish_first_edition, remove_first_edition)]

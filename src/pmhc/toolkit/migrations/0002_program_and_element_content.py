"""The initial text of the five program types and the 10 essential elements."""

from __future__ import annotations

from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    pass


class Migration(migrations.Migration):
    dependencies = [("toolkit", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

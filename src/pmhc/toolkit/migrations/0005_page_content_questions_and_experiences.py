"""Toolkit pages gain two kinds, frequently asked questions and agency experiences, and a
published flag: a new question or experience stays hidden from the public until TTA staff
publish it. The program types, elements and pages that exist are published.

Reversing it is refused while questions or experiences exist (the older schema has no place
for them, nor for whether they are published): reverse 0006 first, and remove or keep by hand
any question or experience TTA staff added or edited."""

from __future__ import annotations

from django.db import migrations, models
from django.db.migrations.exceptions import IrreversibleError


def publish_existing(apps, schema_editor):
    PageContent = apps.get_model("toolkit", "PageContent")
    PageContent.objects.filter(kind__in=["program_type", "element", "page"]).update(
        is_published=True
    )


def refuse_while_entries_exist(apps, schema_editor):
    PageContent = apps.get_model("toolkit", "PageContent")
    remaining = PageContent.objects.filter(kind__in=["faq", "experience"]).count()
    if remaining:
        raise IrreversibleError(
            f"{remaining} questions or experiences exist; the toolkit's pages before this "
            "migration have no place for them. Remove them first."
        )


class Migration(migrations.Migration):
    dependencies = [("toolkit", "0003_learning_sites")]

    operations = [
        migrations.AddField(
            model_name="pagecontent",
            name="is_published",
            field=models.BooleanField(default=False, verbose_name="published"),
        ),
        migrations.AlterField(
            model_name="pagecontent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("program_type", "Program type"),
                    ("element", "Essential element"),
                    ("page", "Page"),
                    ("faq", "Frequently asked question"),
                    ("experience", "Agency experience"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddIndex(
            model_name="pagecontent",
            index=models.Index(
                fields=["kind", "is_published", "number"], name="content_kind_published_idx"
            ),
        ),
        migrations.RunPython(publish_existing, refuse_while_entries_exist),
    ]

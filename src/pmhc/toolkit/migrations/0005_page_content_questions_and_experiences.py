"""Toolkit pages gain two kinds, frequently asked questions and agency experiences, and a
published flag: a new question or experience stays hidden from the public until TTA staff
publish it. Existing pages stay published."""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("toolkit", "0003_learning_sites")]

    operations = [
        migrations.AddField(
            model_name="pagecontent",
            name="is_published",
            field=models.BooleanField(default=True, verbose_name="published"),
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
    ]

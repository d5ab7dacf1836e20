from django.db import migrations, models


def rebuild_when_the_worker_starts(apps, schema_editor):
    """The facts built before hold no officer: the worker's start rebuilds every
    organization's facts and rollups (``rollup_services.stale_organizations``)."""
    apps.get_model("evaluation", "RollupState").objects.update(up_to=None)


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0003_rollup_breakdown_sets"),
    ]

    operations = [
        migrations.AddField(
            model_name="callfact",
            name="officer_responder",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(rebuild_when_the_worker_starts, migrations.RunPython.noop),
    ]

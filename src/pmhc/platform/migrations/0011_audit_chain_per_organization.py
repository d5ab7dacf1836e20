import hashlib
import hmac
import json

from django.conf import settings
from django.db import migrations, models


def platform_chain(apps, schema_editor):
    """The existing events keep their content, sequence and hashes: they become the history
    of the platform chain (0), whose head is the old single head, sealed again with the chain
    in its message."""
    AuditChainHead = apps.get_model("platform", "AuditChainHead")
    for head in AuditChainHead.objects.all():
        message = json.dumps(
            {"chain": 0, "last_hash": head.last_hash, "sequence": head.sequence},
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
        mac = hmac.new(settings.AUDIT_KEY.encode(), message, hashlib.sha256).hexdigest()
        AuditChainHead.objects.filter(chain=head.chain).update(chain=0, mac=mac)


class Migration(migrations.Migration):
    dependencies = [
        ("platform", "0010_audit_chain_keyed"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="chain",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="sequence",
            field=models.PositiveBigIntegerField(),
        ),
        migrations.AlterModelOptions(
            name="auditevent",
            options={"ordering": ["-id"]},
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("chain", "sequence"), name="audit_chain_sequence"
            ),
        ),
        migrations.RenameField(
            model_name="auditchainhead",
            old_name="singleton",
            new_name="chain",
        ),
        migrations.AlterField(
            model_name="auditchainhead",
            name="chain",
            field=models.BigIntegerField(primary_key=True, serialize=False),
        ),
        migrations.RunPython(platform_chain, migrations.RunPython.noop),
    ]

# Written by hand (Django 5.2): invitations to join an organization by e-mail.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("platform", "0005_agreement_versions_and_acceptance"),
    ]

    operations = [
        migrations.CreateModel(
            name="MemberInvitation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("email", models.EmailField(max_length=254, verbose_name="e-mail address")),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("administrator", "Administrator"),
                            ("coordinator", "Program coordinator"),
                            ("call_taker", "Call-taker / dispatcher"),
                            ("officer", "Officer"),
                            ("supervisor", "Supervisor"),
                            ("clinician", "Clinician"),
                            ("case_manager", "Case manager"),
                            ("analyst", "Analyst"),
                            ("tta_staff", "TTA staff"),
                        ],
                        max_length=32,
                        verbose_name="role",
                    ),
                ),
                ("shift", models.CharField(blank=True, max_length=40, verbose_name="shift")),
                (
                    "district",
                    models.CharField(blank=True, max_length=60, verbose_name="district or beat"),
                ),
                (
                    "first_name",
                    models.CharField(blank=True, max_length=150, verbose_name="first name"),
                ),
                (
                    "last_name",
                    models.CharField(blank=True, max_length=150, verbose_name="last name"),
                ),
                ("token_hash", models.CharField(max_length=64, unique=True)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                ("expires_at", models.DateTimeField(verbose_name="expires at")),
                ("accepted_at", models.DateTimeField(blank=True, null=True)),
                ("cancelled_at", models.DateTimeField(blank=True, null=True)),
                (
                    "accepted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "accounts",
                    models.ManyToManyField(
                        blank=True, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "invited_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="invitations",
                        to="platform.organization",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("accepted_at__isnull", True),
                            ("cancelled_at__isnull", True),
                            _connector="OR",
                        ),
                        name="invitation_accepted_or_cancelled_not_both",
                    )
                ],
            },
        ),
    ]

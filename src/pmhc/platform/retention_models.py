"""How long each organization keeps each kind of record, and what stays of an audit chain
whose oldest events were removed (see ``platform/retention.py`` and ``platform/audit.py``)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmhc.platform.models import Classification, Organization


class RetentionSchedule(models.Model):
    """An organization's choice for one kind of record: keep it this many days. A kind with
    no row keeps its registered default."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "organization"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="retention_schedules"
    )
    #: The key a kind registered under (``dispatch.call``, ``platform.audit_event``, ...).
    record_kind = models.CharField(max_length=60)
    days = models.PositiveIntegerField(_("keep for (days)"))
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["organization", "record_kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "record_kind"], name="platform_retention_one_per_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(days__gte=1), name="platform_retention_days_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_kind}: {self.days} days"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class AuditChainAnchor(models.Model):
    """Where a chain starts once its oldest events were removed by the retention schedule:
    the sequence and hash of the last removed event, sealed with the audit key. ``pmhc audit
    verify`` walks the chain from here, so removing events by the schedule keeps the trail
    verifiable, while removing them any other way (or moving the anchor without the key)
    still breaks it."""

    chain = models.BigIntegerField(primary_key=True)
    sequence = models.PositiveBigIntegerField()
    last_hash = models.CharField(max_length=64)
    #: The newest removed event's time: every event before it is gone.
    cut_before = models.DateTimeField()
    removed = models.PositiveBigIntegerField(default=0)
    mac = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit anchor of chain {self.chain} at #{self.sequence}"

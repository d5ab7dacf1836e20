"""Measure: the program's outcomes, computed from de-identified facts and kept in rollups.

- ``CallFact``: one de-identified row per call, with the outcomes of its newest accepted
  encounter report and of the referrals made from it. Codes, flags, coarse dates and minutes
  only: no name, no free text, no address. It is what the rollups, the evaluation statistics
  and the Parquet export read. ``call_id`` is kept so that a changed call refreshes its own
  row; it is never shown and never exported. On PostgreSQL the table is partitioned by month
  (see ``docs/adr``).
- ``Rollup``: the counts of the facts per organization, period (a month, or a day of the
  current month) and breakdown (shift, district, route, responder CIT status, program type,
  the person's recorded race or ethnicity), also kept as a period's totals and per single
  breakdown. The dashboard sums these, never the facts.
- ``RollupState``: how far each organization's rollups are up to date.
- ``ProgramChange``: a dated change to the program (the CIT program or a co-responder team
  started) that the before-and-after analysis is run on.
- ``MeasureSettings``: the organization's minimum cell size and what its public page shows.
- ``QuarterlyReport``: the coordinator's narrative per section of a grant report.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmhc.platform.models import Classification, Organization, Role

#: Public figures hide cells under this (the field's common threshold); an organization may
#: set a higher minimum for its own breakdowns, never a lower one.
PUBLIC_MIN_CELL = 11
MAX_MIN_CELL = 100

#: The outcome flags of a call: a ``CallFact`` holds each as a yes/no, a ``Rollup`` counts the
#: calls with it. Metrics name these as their numerators and denominators.
FLAGS: tuple[str, ...] = (
    "mental_health",
    "cit_or_clinician",
    "clinician",
    "reported",
    "arrest_eligible",
    "arrested",
    "diverted",
    "force_above_presence",
    "officer_injured",
    "subject_injured",
    "transported",
    "transport_ed",
    "transport_crisis",
    "connected",
    "referred",
    "referral_attended_30d",
    "repeat_90d",
    "transfer_988",
    "transfer_988_accepted",
    "matched_clinician_route",
    "clinician_route_unavailable",
)
#: Minutes summed in rollups beside the count of calls that have them (for averages).
MINUTES: tuple[str, ...] = ("minutes_to_scene", "officer_minutes")
#: The breakdowns a rollup keeps.
DIMENSIONS: tuple[str, ...] = (
    "shift",
    "district",
    "route",
    "cit_responder",
    "program_type",
    "race_ethnicity",
)
#: ``Rollup.breakdown`` of the rows with no breakdown (a period's totals); the rows grouped by
#: one dimension only carry that dimension's name, the rows grouped by every one carry "".
TOTAL = "total"
DETAIL = ""


class CallFact(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    call_id = models.BigIntegerField(db_index=True)
    #: The first day of the call's month, in the agency's time zone (the partition key).
    month = models.DateField()
    #: The call's day in the agency's zone; empty when the CAD export gave only a month.
    day = models.DateField(null=True, blank=True)
    weekday = models.PositiveSmallIntegerField(null=True, blank=True)
    shift = models.CharField(max_length=40, blank=True)
    district = models.CharField(max_length=60, blank=True)
    #: The route the call went to (the call-taker's decision, else what answered it).
    route = models.CharField(max_length=16, blank=True)
    #: What the protocol recommended, when it ran.
    recommended = models.CharField(max_length=16, blank=True)
    cit_responder = models.BooleanField(default=False)
    #: An officer answered: a CIT officer arrived, or an officer is on the accepted report.
    officer_responder = models.BooleanField(default=False)
    program_type = models.CharField(max_length=30, blank=True)
    race_ethnicity = models.CharField(max_length=30, blank=True)
    apco_type = models.CharField(max_length=12, blank=True)
    priority = models.PositiveSmallIntegerField(null=True, blank=True)

    mental_health = models.BooleanField(default=False)
    cit_or_clinician = models.BooleanField(default=False)
    clinician = models.BooleanField(default=False)
    reported = models.BooleanField(default=False)
    arrest_eligible = models.BooleanField(default=False)
    arrested = models.BooleanField(default=False)
    diverted = models.BooleanField(default=False)
    force_above_presence = models.BooleanField(default=False)
    officer_injured = models.BooleanField(default=False)
    subject_injured = models.BooleanField(default=False)
    transported = models.BooleanField(default=False)
    transport_ed = models.BooleanField(default=False)
    transport_crisis = models.BooleanField(default=False)
    connected = models.BooleanField(default=False)
    referred = models.BooleanField(default=False)
    referral_attended_30d = models.BooleanField(default=False)
    repeat_90d = models.BooleanField(default=False)
    transfer_988 = models.BooleanField(default=False)
    transfer_988_accepted = models.BooleanField(default=False)
    matched_clinician_route = models.BooleanField(default=False)
    clinician_route_unavailable = models.BooleanField(default=False)
    minutes_to_scene = models.PositiveIntegerField(null=True, blank=True)
    officer_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "month"], name="eval_fact_org_month")]

    def __str__(self) -> str:
        return f"fact {self.pk} ({self.month:%Y-%m})"


class Grain(models.TextChoices):
    MONTH = "month", _("Month")
    DAY = "day", _("Day")


class Rollup(models.Model):
    """The counts of one organization and period, in three sets of rows (as SQL's grouping
    sets): ``breakdown`` "" (``DETAIL``) groups by every dimension at once, ``TOTAL`` is the
    period's one row of totals, and a dimension's name groups by that dimension alone (the
    other dimensions left empty). Each set sums to the same totals; reads pick the smallest set
    that answers them (``rollup_selectors.totals``)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    grain = models.CharField(max_length=5, choices=Grain.choices)
    breakdown = models.CharField(max_length=20, blank=True, default=DETAIL)
    period = models.DateField()
    shift = models.CharField(max_length=40, blank=True)
    district = models.CharField(max_length=60, blank=True)
    route = models.CharField(max_length=16, blank=True)
    cit_responder = models.BooleanField(default=False)
    program_type = models.CharField(max_length=30, blank=True)
    race_ethnicity = models.CharField(max_length=30, blank=True)

    calls = models.PositiveIntegerField(default=0)
    mental_health = models.PositiveIntegerField(default=0)
    cit_or_clinician = models.PositiveIntegerField(default=0)
    clinician = models.PositiveIntegerField(default=0)
    reported = models.PositiveIntegerField(default=0)
    arrest_eligible = models.PositiveIntegerField(default=0)
    arrested = models.PositiveIntegerField(default=0)
    diverted = models.PositiveIntegerField(default=0)
    force_above_presence = models.PositiveIntegerField(default=0)
    officer_injured = models.PositiveIntegerField(default=0)
    subject_injured = models.PositiveIntegerField(default=0)
    transported = models.PositiveIntegerField(default=0)
    transport_ed = models.PositiveIntegerField(default=0)
    transport_crisis = models.PositiveIntegerField(default=0)
    connected = models.PositiveIntegerField(default=0)
    referred = models.PositiveIntegerField(default=0)
    referral_attended_30d = models.PositiveIntegerField(default=0)
    repeat_90d = models.PositiveIntegerField(default=0)
    transfer_988 = models.PositiveIntegerField(default=0)
    transfer_988_accepted = models.PositiveIntegerField(default=0)
    matched_clinician_route = models.PositiveIntegerField(default=0)
    clinician_route_unavailable = models.PositiveIntegerField(default=0)
    minutes_to_scene = models.PositiveBigIntegerField(default=0)
    minutes_to_scene_n = models.PositiveIntegerField(default=0)
    officer_minutes = models.PositiveBigIntegerField(default=0)
    officer_minutes_n = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "grain", "period"], name="eval_rollup_org_period"),
            models.Index(
                fields=["organization", "grain", "breakdown", "period"],
                name="eval_rollup_org_set_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.grain} {self.period}"


class RollupState(models.Model):
    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    #: Everything written before this moment is in the facts and the rollups.
    up_to = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"rollups of {self.organization_id} up to {self.up_to}"


class ProgramChangeKind(models.TextChoices):
    CIT = "cit", _("CIT program started")
    CO_RESPONDER = "co_responder", _("Co-responder team started")
    MOBILE_CRISIS = "mobile_crisis", _("Mobile crisis team started")
    OTHER = "other", _("Other change")


class ProgramChange(models.Model):
    #: The program's own dates and names, read by its staff; the trail keeps them in clear.
    access_classification: ClassVar[str] = Classification.AGENCY
    #: The note says what changed in the program; its form asks for nothing about a person.
    agency_text_fields: ClassVar[frozenset[str]] = frozenset({"note"})
    access_org_lookup: ClassVar[str] = "organization"
    #: Those who read the organization's figures read its changes; its coordinators and
    #: administrators write them (``change_selectors``).
    access_read_roles: ClassVar[frozenset[Role]] = frozenset(
        {Role.ANALYST, Role.COORDINATOR, Role.ADMINISTRATOR}
    )
    access_write_roles: ClassVar[frozenset[Role]] = frozenset(
        {Role.COORDINATOR, Role.ADMINISTRATOR}
    )

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("what changed"), max_length=16, choices=ProgramChangeKind.choices)
    name = models.CharField(_("name"), max_length=120)
    started_on = models.DateField(_("started on"))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["organization", "-started_on"]
        indexes = [models.Index(fields=["organization", "started_on"], name="eval_change_org")]

    def __str__(self) -> str:
        return f"{self.name} ({self.started_on})"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class MeasureSettings(models.Model):
    #: The settings are the agency's own choices, kept in clear in the audit trail.
    audit_classifications: ClassVar[dict[str, str]] = {
        "min_cell_size": Classification.AGENCY,
        "public": Classification.AGENCY,
        "public_metrics": Classification.AGENCY,
    }

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    min_cell_size = models.PositiveSmallIntegerField(
        _("smallest count shown"), default=PUBLIC_MIN_CELL
    )
    public = models.BooleanField(_("publish a public page"), default=False)
    #: The metric keys the public page shows, in order.
    public_metrics = models.JSONField(_("metrics on the public page"), default=list, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"measure settings of {self.organization_id}"


class QuarterlyReport(models.Model):
    #: Which sections were saved, and the quarter, are kept in clear in the audit trail; the
    #: narratives' words are kept as digests.
    audit_classifications: ClassVar[dict[str, str]] = {
        "year": Classification.AGENCY,
        "quarter": Classification.AGENCY,
        "sections": Classification.AGENCY,
    }

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    #: The coordinator's narrative per section key.
    narratives = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year", "quarter"], name="eval_report_one_per_quarter"
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="eval_report_quarter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} Q{self.quarter}"

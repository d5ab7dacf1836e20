"""Plan: an organization's community profile and its One Mind pledge record.

Access. Both are the agency's own planning facts (counts, shares, a pledge date, a policy
document), classified AGENCY and owned by one organization. The policy grants every member
agency data for administration, so each model narrows it: coordinators, administrators,
supervisors and analysts read a plan (``access_read_roles``); only coordinators and
administrators change it (``access_write_roles``). A partner organization sees nothing unless
an agreement in force covers agency data for administration and the partner's role is one of
the readers; the pages only ever open the actor's own organization's plan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmhc.platform.models import Classification, Organization, Role

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

PLAN_READERS = frozenset({Role.COORDINATOR, Role.ADMINISTRATOR, Role.SUPERVISOR, Role.ANALYST})
PLAN_WRITERS = frozenset({Role.COORDINATOR, Role.ADMINISTRATOR})
#: The longest time on scene, and the longest travel time, a profile may give: one day.
MAX_CALL_MINUTES = 1440


class Setting(models.TextChoices):
    URBAN = "urban", _("Urban")
    SUBURBAN = "suburban", _("Suburban")
    RURAL = "rural", _("Rural")


class _PlanRecord(models.Model):
    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "organization"
    access_read_roles: ClassVar[frozenset[Role]] = PLAN_READERS
    access_write_roles: ClassVar[frozenset[Role]] = PLAN_WRITERS

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


def _percent(name: _StrPromise, default: int) -> models.PositiveSmallIntegerField[int, int]:
    return models.PositiveSmallIntegerField(
        name, default=default, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )


class CommunityProfile(_PlanRecord):
    """What a program is planned for: the place, the force, the calls and the services that
    exist. One per organization; every save is audited with before and after."""

    population = models.PositiveIntegerField(_("population"))
    area_square_miles = models.DecimalField(
        _("area (square miles)"), max_digits=9, decimal_places=1
    )
    setting = models.CharField(_("setting"), max_length=10, choices=Setting.choices)
    sworn_officers = models.PositiveIntegerField(_("sworn officers"))
    patrol_per_shift = models.PositiveIntegerField(_("patrol officers per shift"))
    #: Shift names in the order they work, each an equal block of the day.
    shifts = models.JSONField(_("shifts"), default=list)
    first_shift_starts = models.PositiveSmallIntegerField(
        _("first shift starts (hour)"), default=7, validators=[MaxValueValidator(23)]
    )
    districts = models.JSONField(_("districts"), default=list)
    calls_per_year = models.PositiveIntegerField(_("calls for service per year"))
    #: Counted; when empty, estimated from ``mh_call_percent`` of all calls.
    mh_calls_per_year = models.PositiveIntegerField(
        _("mental health calls per year"), null=True, blank=True
    )
    mh_call_percent = models.DecimalField(
        _("mental health share of calls (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    #: 24 numbers (00:00-01:00 first) and 7 numbers (Monday first): counts or shares, as
    #: entered; empty means "spread evenly".
    hourly_pattern = models.JSONField(_("calls by hour of day"), default=list, blank=True)
    weekday_pattern = models.JSONField(_("calls by day of week"), default=list, blank=True)
    #: At most a day each (``MAX_CALL_MINUTES``): the staffing model sizes units for calls
    #: that end within their shift's day, and a longer figure is almost always a typing slip.
    on_scene_minutes = models.DecimalField(
        _("time on scene (minutes)"),
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_CALL_MINUTES)],
    )
    travel_minutes = models.DecimalField(
        _("travel time (minutes)"),
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_CALL_MINUTES)],
    )
    has_crisis_line = models.BooleanField(_("crisis line or 988 center"), default=False)
    has_mobile_crisis = models.BooleanField(_("mobile crisis team"), default=False)
    has_receiving_center = models.BooleanField(
        _("crisis receiving or stabilization center that accepts police drop-offs"), default=False
    )
    has_co_responders = models.BooleanField(_("co-responder clinicians"), default=False)
    case_management_capacity = models.PositiveIntegerField(
        _("case management capacity (people followed at once)"), default=0
    )
    has_psychiatric_emergency = models.BooleanField(
        _("psychiatric emergency service"), default=False
    )
    #: The staffing model's targets.
    service_target_percent = _percent(_("service level target (%)"), 80)
    answer_within_minutes = models.PositiveSmallIntegerField(
        _("a unit free within (minutes)"), default=10, validators=[MaxValueValidator(240)]
    )
    overflow_bound_percent = _percent(_("overflow to patrol at most (%)"), 10)
    cit_available_percent = _percent(_("a CIT officer free (%)"), 90)

    def __str__(self) -> str:
        return f"Community profile of organization {self.organization_id}"


class Pledge(_PlanRecord):
    """The One Mind pledge: when it was taken, and the model policy adopted under it. The
    policy file is stored under a random name; the original name is kept for the download."""

    pledged_on = models.DateField(_("pledge date"), null=True, blank=True)
    policy_title = models.CharField(_("policy title"), max_length=200, blank=True)
    policy_adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    policy_file = models.FileField(upload_to="planning/policies/%Y/", blank=True, max_length=200)
    policy_file_name = models.CharField(max_length=200, blank=True)
    policy_content_type = models.CharField(max_length=100, blank=True)
    policy_file_size = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"One Mind pledge of organization {self.organization_id}"

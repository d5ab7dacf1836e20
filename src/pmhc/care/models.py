"""Care: where a person can be taken now, referrals that close their loop, and the cases that
follow a person after a crisis.

- ``Service``: one place or program in an organization's service directory (a crisis center,
  an emergency department, a shelter, the crisis line), with who it takes and, when its own
  staff keep it current, how many beds or chairs are open now (``CapacityUpdate`` keeps each
  figure they gave). The directory is about places, not people: agency data.
- ``Referral``: a person sent from an encounter, a clinical contact note or a case to a
  service, and each state it passed through (``ReferralEvent``), moved by the receiving
  provider. The reason for the referral is clinical.
- ``Case``: a person followed by a case manager after a crisis, with its contacts
  (``CaseContact``: calls, visits, outreach attempts, co-responder follow-up visits) and the
  case managers it passed between (``CaseTransfer``). Goals and contact notes are clinical.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmhc.platform.models import Classification, Organization, Role

AGENCY = Classification.AGENCY
CLINICAL = Classification.CLINICAL

#: Who keeps an organization's directory (adds, imports, edits its services).
DIRECTORY_KEEPERS = frozenset({Role.ADMINISTRATOR, Role.COORDINATOR})
#: Who sends referrals and reads the referrals their organization sent.
REFERRAL_SENDERS = frozenset({Role.OFFICER, Role.CLINICIAN, Role.CASE_MANAGER, Role.COORDINATOR})
#: Who manages cases.
CASE_MANAGERS = frozenset({Role.CASE_MANAGER, Role.COORDINATOR, Role.CLINICIAN})


# --- Service directory --------------------------------------------------------------------------


class ServiceKind(models.TextChoices):
    CRISIS_CENTER = "crisis_center", _("Crisis receiving and stabilization center")
    PSYCH_EMERGENCY = "psych_emergency", _("Psychiatric emergency service")
    EMERGENCY_DEPARTMENT = "emergency_department", _("Emergency department")
    DETOX = "detox", _("Detox (withdrawal management)")
    SOBERING = "sobering", _("Sobering center")
    OUTPATIENT = "outpatient", _("Outpatient mental health")
    COMMUNITY_MENTAL_HEALTH = "community_mental_health", _("Community mental health center")
    SUBSTANCE_USE = "substance_use", _("Substance use treatment")
    HOUSING = "housing", _("Housing")
    SHELTER = "shelter", _("Shelter")
    PEER_SUPPORT = "peer_support", _("Peer support")
    CRISIS_LINE = "crisis_line", _("988 or local crisis line")


class CapacityUnit(models.TextChoices):
    NONE = "", _("No capacity kept")
    BEDS = "beds", _("Beds")
    CHAIRS = "chairs", _("Chairs")
    SLOTS = "slots", _("Appointment slots")


class Condition(models.TextChoices):
    """What a service takes, and what a person brought to one has (``Service.conditions``)."""

    MENTAL_HEALTH = "mental_health", _("Mental health")
    SUBSTANCE_USE = "substance_use", _("Substance use")
    DEVELOPMENTAL = "developmental", _("Intellectual or developmental disability")


class Service(models.Model):
    """One place or program in an organization's directory. ``provider`` is the organization
    that runs it, when that organization uses pmhc: its staff keep the capacity current and
    receive its referrals."""

    access_classification: ClassVar[str] = AGENCY
    access_org_lookup: ClassVar[str] = "organization"
    access_write_roles: ClassVar[frozenset[Role]] = DIRECTORY_KEEPERS
    restricted_fields: ClassVar[Mapping[str, Classification]] = {}
    agency_text_fields: ClassVar[frozenset[str]] = frozenset(
        {"name", "address", "phone", "hours", "how_to_refer", "eligibility_note", "insurance"}
    )

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: The key the organization's own directory gives it; an import matches on it.
    external_id = models.CharField(_("directory identifier"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=ServiceKind.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    hours = models.CharField(_("hours"), max_length=200, blank=True)
    open_all_hours = models.BooleanField(_("open 24 hours, 7 days"), default=False)
    # Who is eligible.
    min_age = models.PositiveSmallIntegerField(_("youngest age taken"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("oldest age taken"), null=True, blank=True)
    #: Conditions taken (``Condition`` values).
    conditions = models.JSONField(_("conditions taken"), default=list, blank=True)
    insurance = models.CharField(_("insurance accepted"), max_length=300, blank=True)
    eligibility_note = models.CharField(_("other eligibility"), max_length=300, blank=True)
    police_drop_off = models.BooleanField(_("accepts police drop-off"), default=False)
    no_refusal = models.BooleanField(_("no-refusal policy"), default=False)
    #: Languages spoken (ISO 639-1 codes).
    languages = models.JSONField(_("languages"), default=list, blank=True)
    how_to_refer = models.CharField(_("how to refer"), max_length=500, blank=True)
    accepts_referrals = models.BooleanField(_("takes referrals through pmhc"), default=False)
    # Capacity now, as the provider's staff last gave it (its history: ``CapacityUpdate``).
    capacity_unit = models.CharField(
        _("capacity kept in"), max_length=8, choices=CapacityUnit.choices, blank=True
    )
    capacity_total = models.PositiveSmallIntegerField(_("capacity"), null=True, blank=True)
    capacity_open = models.PositiveSmallIntegerField(_("open now"), null=True, blank=True)
    wait_minutes = models.PositiveSmallIntegerField(_("wait (minutes)"), null=True, blank=True)
    capacity_updated_at = models.DateTimeField(_("capacity updated"), null=True, blank=True)
    active = models.BooleanField(_("listed"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"], name="care_service_unique_key"
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=models.F("max_age")),
                name="care_service_age_range",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "active", "kind", "name"]),
            models.Index(fields=["provider", "active"]),
        ]

    def __str__(self) -> str:
        return self.name

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class CapacityUpdate(models.Model):
    """One figure a provider's staff gave: open beds or chairs and the wait, when."""

    access_classification: ClassVar[str] = AGENCY
    access_org_lookup: ClassVar[str] = "service__organization"
    restricted_fields: ClassVar[Mapping[str, Classification]] = {}
    agency_text_fields: ClassVar[frozenset[str]] = frozenset()

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="capacity_updates")
    capacity_open = models.PositiveSmallIntegerField(_("open now"))
    wait_minutes = models.PositiveSmallIntegerField(_("wait (minutes)"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["service", "-updated_at", "-id"])]

    def __str__(self) -> str:
        return f"Capacity of {self.service_id} at {self.updated_at:%Y-%m-%d %H:%M}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.service.organization_id})


# --- Referrals ----------------------------------------------------------------------------------


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    SCHEDULED = "scheduled", _("Scheduled")
    ATTENDED = "attended", _("First appointment attended")
    ENGAGED = "engaged", _("Engaged at 30 days")
    DECLINED = "declined", _("Declined")
    NO_SHOW = "no_show", _("Did not attend")
    CLOSED = "closed", _("Closed")


class ReferralSource(models.TextChoices):
    ENCOUNTER = "encounter", _("Encounter report")
    CONTACT_NOTE = "contact_note", _("Clinical contact note")
    CASE = "case", _("Case")


class Referral(models.Model):
    """A person sent to a service, from an encounter, a contact note or a case. The sending
    organization holds it; the service's provider moves its state and reads only what the
    referral itself grants (``care/referral_selectors.py``)."""

    access_classification: ClassVar[str] = AGENCY
    access_org_lookup: ClassVar[str] = "organization"
    access_read_roles: ClassVar[frozenset[Role]] = REFERRAL_SENDERS
    access_write_roles: ClassVar[frozenset[Role]] = REFERRAL_SENDERS
    restricted_fields: ClassVar[Mapping[str, Classification]] = {"reason": CLINICAL}
    agency_text_fields: ClassVar[frozenset[str]] = frozenset({"declined_reason", "closed_reason"})
    audit_classifications: ClassVar[Mapping[str, str]] = {"note": CLINICAL}
    #: What an API key needs: ``referrals:read`` or ``referrals:write``.
    access_scope: ClassVar[str] = "referrals"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    #: The organization receiving it: the service's provider when it was sent.
    provider = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="referrals")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("referred from"), max_length=16, choices=ReferralSource.choices)
    encounter = models.ForeignKey(
        "response.Encounter", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact_note = models.ForeignKey(
        "response.ContactNote", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    case = models.ForeignKey(
        "care.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals"
    )
    #: The consent the referral relied on, where the policy needs one.
    consent = models.ForeignKey(
        "people.Consent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason for the referral"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    declined_reason = models.CharField(_("why declined"), max_length=300, blank=True)
    closed_reason = models.CharField(_("why closed"), max_length=300, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # When each state was reached: what Measure counts (time to referral, to first
    # appointment, to engagement).
    sent_at = models.DateTimeField(default=timezone.now)
    received_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    attended_at = models.DateTimeField(null=True, blank=True)
    engaged_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    #: When the sender was last reminded that the referral had not moved.
    reminded_at = models.DateTimeField(null=True, blank=True)
    #: The identifier of its FHIR ServiceRequest and Task.
    fhir_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "status", "-sent_at", "-id"]),
            models.Index(fields=["provider", "status", "-sent_at", "-id"]),
            models.Index(fields=["person", "-sent_at"]),
            models.Index(fields=["status", "sent_at"]),
            # What was written since a moment (Measure's refresh of its rollups).
            models.Index(fields=["organization", "updated_at"], name="care_referral_org_updated"),
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class ReferralEvent(models.Model):
    """One state a referral reached: who moved it (a person or the provider's API key) and
    when, with an optional note (clinical)."""

    access_classification: ClassVar[str] = AGENCY
    access_org_lookup: ClassVar[str] = "referral__organization"
    restricted_fields: ClassVar[Mapping[str, Classification]] = {"note": CLINICAL}
    agency_text_fields: ClassVar[frozenset[str]] = frozenset()

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("status"), max_length=10, choices=ReferralStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    by_key = models.ForeignKey(
        "platform.ApiKey", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["referral", "at", "pk"]
        indexes = [models.Index(fields=["referral", "at"])]

    def __str__(self) -> str:
        return f"{self.status} at {self.at:%Y-%m-%d %H:%M}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.referral.organization_id})


# --- Case management ----------------------------------------------------------------------------


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CaseOrigin(models.TextChoices):
    HIGH_UTILIZER = "high_utilizer", _("High-utilizer list")
    FOLLOW_UP = "follow_up", _("Clinician's follow-up")
    REFERRAL = "referral", _("Referral")
    OTHER = "other", _("Other")


class CaseClosure(models.TextChoices):
    GOALS_MET = "goals_met", _("Goals met")
    CONNECTED = "connected", _("Connected to ongoing services")
    DECLINED = "declined", _("Person declined further contact")
    UNREACHABLE = "unreachable", _("Could not be reached")
    MOVED = "moved", _("Moved away")
    DIED = "died", _("Died")
    OTHER = "other", _("Other")


class Case(models.Model):
    """A person followed after a crisis by a case manager of the organization."""

    access_classification: ClassVar[str] = AGENCY
    access_org_lookup: ClassVar[str] = "organization"
    access_read_roles: ClassVar[frozenset[Role]] = CASE_MANAGERS
    access_write_roles: ClassVar[frozenset[Role]] = CASE_MANAGERS
    restricted_fields: ClassVar[Mapping[str, Classification]] = {
        "goals": CLINICAL,
        "closed_note": CLINICAL,
    }
    agency_text_fields: ClassVar[frozenset[str]] = frozenset()

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    origin = models.CharField(_("opened from"), max_length=16, choices=CaseOrigin.choices)
    #: The clinician's contact note whose follow-up opened it, if one did.
    contact_note = models.ForeignKey(
        "response.ContactNote", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    goals = models.TextField(_("goals"), blank=True)
    #: How often the case manager means to be in touch, and when next.
    contact_every_days = models.PositiveSmallIntegerField(_("contact every (days)"), default=7)
    next_contact_on = models.DateField(_("next contact due"), null=True, blank=True)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(
        _("why closed"), max_length=12, choices=CaseClosure.choices, blank=True
    )
    closed_note = models.TextField(_("closing note"), blank=True)
    #: When the case manager was last reminded of a contact due.
    reminded_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "person"],
                condition=Q(status="open"),
                name="care_case_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True)
                | Q(status="closed", closed_at__isnull=False),
                name="care_case_closed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["case_manager", "status", "next_contact_on"]),
            models.Index(fields=["organization", "status", "-opened_at", "-id"]),
            models.Index(fields=["person", "status"]),
        ]

    def __str__(self) -> str:
        return f"Case {self.pk}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class ContactKind(models.TextChoices):
    CALL = "call", _("Phone call")
    VISIT = "visit", _("Visit")
    OUTREACH = "outreach", _("Outreach attempt")
    CO_RESPONDER = "co_responder", _("Co-responder follow-up visit")


class ContactOutcome(models.TextChoices):
    REACHED = "reached", _("Reached the person")
    LEFT_MESSAGE = "left_message", _("Left a message")
    NOT_FOUND = "not_found", _("Could not find the person")
    DECLINED = "declined", _("Person declined")
    OTHER = "other", _("Other")


class CaseContact(models.Model):
    """One contact of a case: a call, a visit, an outreach attempt or a co-responder
    follow-up visit after a call, with its outcome."""

    access_classification: ClassVar[str] = AGENCY
    access_org_lookup: ClassVar[str] = "case__organization"
    access_read_roles: ClassVar[frozenset[Role]] = CASE_MANAGERS
    access_write_roles: ClassVar[frozenset[Role]] = CASE_MANAGERS
    restricted_fields: ClassVar[Mapping[str, Classification]] = {"note": CLINICAL}
    agency_text_fields: ClassVar[frozenset[str]] = frozenset()

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(_("kind"), max_length=16, choices=ContactKind.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=ContactOutcome.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    #: The call a co-responder follow-up visit followed.
    call = models.ForeignKey(
        "dispatch.Call", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["case", "-at", "-pk"]
        indexes = [models.Index(fields=["case", "-at", "-id"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.at:%Y-%m-%d}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.case.organization_id})


class CaseTransfer(models.Model):
    """A case passed from one case manager to another, and why."""

    access_classification: ClassVar[str] = AGENCY
    access_org_lookup: ClassVar[str] = "case__organization"
    restricted_fields: ClassVar[Mapping[str, Classification]] = {}
    agency_text_fields: ClassVar[frozenset[str]] = frozenset({"reason"})

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers")
    from_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    to_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["case", "-at", "-pk"]
        indexes = [models.Index(fields=["case", "-at"])]

    def __str__(self) -> str:
        return f"Transfer of case {self.case_id}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.case.organization_id})

"""Organizations, people and their roles, data-sharing agreements, API keys, the audit trail.

Models hold data and invariants only; every change goes through ``services.py``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class OrganizationKind(models.TextChoices):
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement agency")
    BEHAVIORAL_HEALTH = "behavioral_health", _("Behavioral health provider")
    HOSPITAL = "hospital", _("Hospital")
    COMMUNITY = "community", _("Community organization")
    TTA_PROVIDER = "tta_provider", _("Training and technical assistance provider")


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    COORDINATOR = "coordinator", _("Program coordinator")
    CALL_TAKER = "call_taker", _("Call-taker / dispatcher")
    OFFICER = "officer", _("Officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    CLINICIAN = "clinician", _("Clinician")
    CASE_MANAGER = "case_manager", _("Case manager")
    ANALYST = "analyst", _("Analyst")
    TTA_STAFF = "tta_staff", _("TTA staff")


#: Roles whose members carry a shift and a district or beat.
ROLES_WITH_POST = frozenset({Role.OFFICER, Role.CALL_TAKER, Role.SUPERVISOR})


class Classification(models.TextChoices):
    """How sensitive a field is; the access policy decides on these, never on field names."""

    PUBLIC = "public", _("Public")
    AGENCY = "agency", _("Agency")
    PERSONAL = "personal", _("Personal")
    SAFETY = "safety", _("Safety")
    CLINICAL = "clinical", _("Clinical")
    SUBSTANCE_USE = "substance_use", _("Substance use (42 CFR Part 2)")


class Purpose(models.TextChoices):
    ACTIVE_CALL = "active_call", _("Active call")
    CASE_MANAGEMENT = "case_management", _("Case management")
    EVALUATION = "evaluation", _("Evaluation")
    EMERGENCY = "emergency", _("Emergency (break-glass)")
    ADMINISTRATION = "administration", _("Administration")


class User(AbstractUser):
    """A person who signs in. What they may do comes from their memberships."""

    #: An account's name and address are the organization's own directory, which its
    #: administrators manage, so the audit trail keeps them in clear; with no classification,
    #: anything else about a user is kept as a digest (``platform/audit.py``).
    audit_classifications: ClassVar[dict[str, str]] = {
        "username": Classification.AGENCY,
        "email": Classification.AGENCY,
    }

    class Meta:
        ordering = ["username"]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Organization(models.Model):
    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "pk"

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganizationKind.choices)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="America/Chicago", validators=[validate_time_zone]
    )
    is_synthetic = models.BooleanField(
        _("synthetic"), default=False, help_text=_("Fictional demo data.")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.pk})


class Membership(models.Model):
    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "organization"

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    shift = models.CharField(_("shift"), max_length=40, blank=True)
    district = models.CharField(_("district or beat"), max_length=60, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["organization__name", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="one_membership_per_user_and_organization"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.organization}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class MemberInvitation(models.Model):
    """An organization asks the person at an e-mail address to join it.

    Adding a member by e-mail always makes one of these, whether or not the address has an
    account, and the administrator sees the same thing either way: the address they typed. An
    administrator must not learn who holds an account elsewhere, nor attach it without its
    owner's consent. ``accounts`` records the accounts that had the address when the invitation
    was made: only one of them, signed in as itself, may accept. With none, the link lets its
    holder (the owner of the mailbox) create an account, which joins at once. The names are the
    administrator's suggestions for that new account. Only a hash of the link's token is kept.
    """

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "organization"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    shift = models.CharField(_("shift"), max_length=40, blank=True)
    district = models.CharField(_("district or beat"), max_length=60, blank=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    accounts = models.ManyToManyField(User, related_name="+", blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(cancelled_at__isnull=True),
                name="invitation_accepted_or_cancelled_not_both",
            )
        ]

    def __str__(self) -> str:
        return f"invitation to {self.organization} for {self.email}"

    @property
    def is_open(self) -> bool:
        """Neither accepted nor cancelled (it may still have expired)."""
        return self.accepted_at is None and self.cancelled_at is None

    def is_pending(self, now: dt.datetime | None = None) -> bool:
        return self.is_open and (now or timezone.now()) < self.expires_at

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


def agreement_upload_path(instance: DataSharingAgreement, filename: str) -> str:
    # The original name is kept for display only; the stored name is not guessable.
    import secrets

    return f"agreements/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.bin"


C_VALUES = frozenset(Classification.values)
P_VALUES = frozenset(Purpose.values)


class AgreementStatus(models.TextChoices):
    """Where one version of an agreement stands. Only ``IN_FORCE`` opens any data."""

    PROPOSED = "proposed", _("Waiting for acceptance")
    IN_FORCE = "in_force", _("In force")
    SUPERSEDED = "superseded", _("Replaced by a later version")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ENDED = "ended", _("Ended")


class DataSharingAgreement(models.Model):
    """One version of a signed agreement (MOU) under which partner organizations may see each
    other's data.

    A version opens data only once every party's administrator has accepted exactly these
    terms (``status`` becomes ``IN_FORCE``), and then only between its dates. A change that
    widens it is a new version that every party must accept again, while this one stays in
    force; narrowing or ending takes effect at once. Versions of one agreement share a
    ``root`` (the first version, whose own ``root`` is empty)."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "parties"

    title = models.CharField(_("title"), max_length=200)
    parties = models.ManyToManyField(Organization, related_name="agreements")
    classifications = models.JSONField(_("data classifications covered"), default=list, blank=True)
    purposes = models.JSONField(_("purposes covered"), default=list, blank=True)
    effective_on = models.DateField(_("effective on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    document = models.FileField(
        _("signed document"), upload_to=agreement_upload_path, blank=True, max_length=200
    )
    document_name = models.CharField(max_length=200, blank=True)
    document_content_type = models.CharField(max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=AgreementStatus.choices,
        default=AgreementStatus.PROPOSED,
        db_index=True,
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    root = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="later_versions"
    )
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_versions"
    )
    proposed_by_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    in_force_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-effective_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("effective_on")),
                name="agreement_ends_after_it_starts",
            ),
            # One version of an agreement is in force at a time (the first version's own
            # ``root`` is empty, so it stands for itself).
            models.UniqueConstraint(
                Coalesce("root", "id"),
                condition=Q(status="in_force"),
                name="one_version_of_an_agreement_in_force",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def classification_labels(self) -> list[str]:
        return [str(Classification(c).label) for c in self.classifications if c in C_VALUES]

    @property
    def purpose_labels(self) -> list[str]:
        return [str(Purpose(p).label) for p in self.purposes if p in P_VALUES]

    def is_active_on(self, day: dt.date) -> bool:
        return (
            self.status == AgreementStatus.IN_FORCE
            and self.effective_on <= day
            and (self.ends_on is None or day <= self.ends_on)
        )

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset(party.pk for party in self.parties.all())


class AgreementAcceptance(models.Model):
    """One party's administrator accepted exactly one version of an agreement."""

    agreement = models.ForeignKey(
        DataSharingAgreement, on_delete=models.CASCADE, related_name="acceptances"
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    accepted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    accepted_by_name = models.CharField(max_length=200, blank=True)
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["accepted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "organization"], name="one_acceptance_per_party_and_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} accepted {self.agreement}"


class ApiKey(models.Model):
    """An organization's key for a system. Only a hash is kept; the key is shown once."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "organization"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="api_keys"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class AuditAction(models.TextChoices):
    """Every kind of event the trail knows. Codes are stable; labels are for people."""

    LOGIN_SUCCEEDED = "auth.login", _("Signed in")
    LOGIN_FAILED = "auth.login_failed", _("Sign-in failed")
    LOGIN_THROTTLED = "auth.login_throttled", _("Sign-in refused: too many failures")
    LOGOUT = "auth.logout", _("Signed out")
    PASSWORD_CHANGED = "auth.password_changed", _("Password changed")
    PASSWORD_RESET_REQUESTED = "auth.password_reset_requested", _("Password reset requested")
    PASSWORD_RESET_COMPLETED = "auth.password_reset", _("Password reset")
    TWO_FACTOR_ENABLED = "auth.2fa_enabled", _("Two-factor sign-in enabled")
    TWO_FACTOR_DISABLED = "auth.2fa_disabled", _("Two-factor sign-in removed")
    TWO_FACTOR_FAILED = "auth.2fa_failed", _("Two-factor code rejected")
    USER_CREATED = "user.created", _("User created")
    ORGANIZATION_CREATED = "organization.created", _("Organization created")
    ORGANIZATION_CHANGED = "organization.changed", _("Organization changed")
    MEMBERSHIP_CREATED = "membership.created", _("Member added")
    MEMBERSHIP_CHANGED = "membership.changed", _("Membership changed")
    MEMBERSHIP_DEACTIVATED = "membership.deactivated", _("Member deactivated")
    MEMBER_INVITED = "membership.invited", _("Invited to join")
    MEMBER_INVITATION_CANCELLED = (
        "membership.invitation_cancelled",
        _("Invitation to join cancelled"),
    )
    EMAIL_CHANGED = "auth.email_changed", _("E-mail address changed")
    AGREEMENT_CREATED = "agreement.created", _("Agreement recorded")
    AGREEMENT_CHANGED = "agreement.changed", _("Agreement changed")
    AGREEMENT_DOCUMENT_READ = "agreement.document_read", _("Agreement document downloaded")
    AGREEMENT_PROPOSED = "agreement.proposed", _("Agreement proposed")
    AGREEMENT_ACCEPTED = "agreement.accepted", _("Agreement accepted by a party")
    AGREEMENT_IN_FORCE = "agreement.in_force", _("Agreement in force: every party accepted")
    AGREEMENT_DECLINED = "agreement.declined", _("Agreement proposal declined or withdrawn")
    AGREEMENT_NARROWED = "agreement.narrowed", _("Agreement narrowed")
    AGREEMENT_ENDED = "agreement.ended", _("Agreement ended")
    API_KEY_CREATED = "api_key.created", _("API key created")
    API_KEY_REVOKED = "api_key.revoked", _("API key revoked")
    AUDIT_VIEWED = "audit.viewed", _("Audit trail viewed")
    AUDIT_EXPORTED = "audit.exported", _("Audit trail exported")
    RECORD_CREATED = "record.created", _("Record created")
    RECORD_CHANGED = "record.changed", _("Record changed")
    RECORD_DELETED = "record.deleted", _("Record deleted")
    RECORD_READ = "record.read", _("Protected fields read")
    CONTENT_CHANGED = "content.changed", _("Toolkit page edited")
    SITE_CREATED = "site.created", _("Learning site added")
    SITE_CHANGED = "site.changed", _("Learning site changed")
    TA_RECEIVED = "ta.received", _("Assistance request received")
    TA_CHANGED = "ta.changed", _("Assistance request updated")
    TA_NOTE_ADDED = "ta.note_added", _("Note added to assistance request")
    TA_REMINDED = "ta.reminded", _("Assistance request reminder sent")
    TA_ESCALATED = "ta.escalated", _("Assistance request escalated")
    TA_READ = "ta.read", _("Assistance request read")
    LIBRARY_SUBMITTED = "library.submitted", _("Library item submitted")
    LIBRARY_REVIEWED = "library.reviewed", _("Library item reviewed")
    LIBRARY_FILE_READ = "library.file_read", _("Library file downloaded")
    INSTRUMENT_REVISED = "assessment.instrument_revised", _("Self-assessment instrument revised")
    ASSESSMENT_OPENED = "assessment.opened", _("Self-assessment opened")
    ASSESSMENT_INVITED = "assessment.invited", _("Respondent invited to a self-assessment")
    ASSESSMENT_ANSWERED = "assessment.answered", _("Self-assessment answers saved")
    ASSESSMENT_AGREED = "assessment.agreed", _("Committee rating agreed")
    ASSESSMENT_CLOSED = "assessment.closed", _("Self-assessment closed")
    ASSESSMENT_EXPORTED = "assessment.exported", _("Self-assessment report downloaded")
    ACTION_CREATED = "assessment.action_created", _("Action added to the plan")
    ACTION_CHANGED = "assessment.action_changed", _("Action changed")
    ACTION_OVERDUE = "assessment.action_overdue", _("Overdue actions flagged")
    PROFILE_SAVED = "planning.profile_saved", _("Community profile saved")
    PLEDGE_SAVED = "planning.pledge_saved", _("One Mind pledge record saved")
    POLICY_ADOPTED = "planning.policy_adopted", _("Model policy recorded")
    POLICY_FILE_READ = "planning.policy_read", _("Model policy downloaded")
    COURSE_SAVED = "training.course_saved", _("Course saved")
    SESSION_SAVED = "training.session_saved", _("Training session saved")
    ENROLLMENT_CHANGED = "training.enrollment", _("Enrollment changed")
    COMPLETION_RECORDED = "training.completion", _("Course completion recorded")
    TRAINEE_SAVED = "training.trainee_saved", _("Roster entry saved")
    ROSTER_IMPORTED = "training.roster_imported", _("Roster imported")
    TRAINING_RECORD_READ = "training.record_read", _("Training record read")
    CALL_CREATED = "dispatch.call_created", _("Call for service recorded")
    CALL_CHANGED = "dispatch.call_changed", _("Call for service changed")
    CALL_TRIAGED = "dispatch.call_triaged", _("Call triaged with the protocol")
    UNIT_ASSIGNED = "dispatch.unit_assigned", _("Unit dispatched to a call")
    CALL_NARRATIVE_READ = "dispatch.narrative_read", _("Call narrative read")
    RULES_SAVED = "dispatch.rules_saved", _("Routing rules draft saved")
    RULES_PUBLISHED = "dispatch.rules_published", _("Routing rules published")
    DUTY_SAVED = "dispatch.duty_saved", _("Shift or team saved")
    MAPPING_SAVED = "dispatch.mapping_saved", _("CAD import mapping saved")
    CALLS_IMPORTED = "dispatch.calls_imported", _("Calls imported from CAD")
    CALLS_IMPORT_BATCH = "dispatch.calls_import_batch", _("Batch of CAD calls committed")
    IMPORT_RECOVERED = "dispatch.import_recovered", _("Stalled CAD import resumed or failed")
    ENCOUNTER_CREATED = "response.encounter_created", _("Encounter report started")
    ENCOUNTER_CHANGED = "response.encounter_changed", _("Encounter report changed")
    ENCOUNTER_SUBMITTED = "response.encounter_submitted", _("Encounter report submitted")
    ENCOUNTER_RETURNED = "response.encounter_returned", _("Encounter report returned")
    ENCOUNTER_ACCEPTED = "response.encounter_accepted", _("Encounter report accepted")
    ENCOUNTER_AMENDED = "response.encounter_amended", _("Accepted encounter report amended")
    ENCOUNTER_NARRATIVE_READ = "response.narrative_read", _("Encounter narrative read")
    ENCOUNTERS_IMPORTED = "response.encounters_imported", _("Past encounter reports imported")
    DISPOSITION_SAVED = "response.disposition_saved", _("Disposition list changed")
    PERSON_CREATED = "people.person_created", _("Person recorded")
    PERSON_CHANGED = "people.person_changed", _("Person's details changed")
    PERSON_LINKED = "people.person_linked", _("Person linked to a call or encounter")
    PERSON_READ = "people.person_read", _("Person's details read")
    PEOPLE_IMPORTED = "people.imported", _("People brought in with past records")
    DEMO_LOADED = "demo.loaded", _("Demo data loaded")


class Outcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    FAILURE = "failure", _("Failure")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The audit trail is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit trail is append-only.")


class AuditEvent(models.Model):
    """One event of the append-only, hash-chained audit trail (see ``platform/audit.py``)."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "organization_id"

    sequence = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_name = models.CharField(max_length=200)
    organization_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=48, choices=AuditAction.choices, db_index=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.SUCCESS)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=150, blank=True)
    purpose = models.CharField(max_length=32, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]
        indexes = [models.Index(fields=["action", "object_id", "occurred_at"])]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} by {self.actor_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit trail is append-only.")

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id}) if self.organization_id else frozenset()


class AuditChainHead(models.Model):
    """A single row holding the newest event's hash; locking it serialises appends."""

    singleton = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit head #{self.sequence}"


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Failed, will retry")
    FAILED = "failed", _("Failed")


class OutboundEmail(models.Model):
    """Every message the product sends is saved first, then sent by a background task, so a
    mail-server outage delays it but never loses it."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "organization"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to = models.JSONField(default=list)
    subject = models.CharField(max_length=250)
    body = models.TextField()
    purpose = models.CharField(max_length=60, blank=True)
    status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id}) if self.organization_id else frozenset()

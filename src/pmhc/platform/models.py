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
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pmhc.platform import audit_codes, dates


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class OrganizationKind(models.TextChoices):
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement agency")
    BEHAVIORAL_HEALTH = "behavioral_health", _("Behavioral health provider")
    HOSPITAL = "hospital", _("Hospital")
    COMMUNITY = "community", _("Community organization")
    TTA_PROVIDER = "tta_provider", _("Training and technical assistance provider")
    LEARNING_SITE = "learning_site", _("Law enforcement-mental health learning site")


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
    SITE_COORDINATOR = "site_coordinator", _("Learning site coordinator")


#: Roles whose members carry a shift and a district or beat.
ROLES_WITH_POST = frozenset({Role.OFFICER, Role.CALL_TAKER, Role.SUPERVISOR})

#: The roles an organization of each kind may give its members. A learning site's accounts
#: are its coordinators only; TTA staff work only for a TTA provider, which may also run the
#: other roles (a TTA provider's own programs); nobody else coordinates a learning site.
_ORDINARY_ROLES = frozenset(Role) - {Role.SITE_COORDINATOR, Role.TTA_STAFF}
ROLES_BY_KIND: dict[str, frozenset[Role]] = {
    OrganizationKind.LEARNING_SITE: frozenset({Role.SITE_COORDINATOR}),
    OrganizationKind.TTA_PROVIDER: frozenset(Role) - {Role.SITE_COORDINATOR},
}


def allowed_roles(kind: str) -> frozenset[Role]:
    """The roles an organization of ``kind`` may give."""
    return ROLES_BY_KIND.get(kind, _ORDINARY_ROLES)


def role_choices(kind: str) -> list[tuple[str, str | Promise]]:
    """The role picker's choices for an organization of ``kind``, in the usual order."""
    allowed = allowed_roles(kind)
    return [(value, label) for value, label in Role.choices if value in allowed]


class Classification(models.TextChoices):
    """How sensitive a field is; the access policy decides on these, never on field names."""

    PUBLIC = "public", _("Public")
    AGENCY = "agency", _("Agency")
    PERSONAL = "personal", _("Personal")
    SAFETY = "safety", _("Safety")
    CLINICAL = "clinical", _("Clinical")
    SUBSTANCE_USE = "substance_use", _("Substance use (42 CFR Part 2)")
    #: De-identified counts (rollups, dashboard figures); never a row about a person.
    AGGREGATE = "aggregate", _("De-identified counts")


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

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """Where the organization is: its dates and clock times are read in this zone."""
        return dates.zone(self.time_zone)

    def today(self) -> dt.date:
        """Today's date where the organization is: agreements, certifications and due dates
        start and end on local dates."""
        return dates.today_in(self.time_zone)


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
    """The platform's own audit codes (each app registers its own: see
    ``platform/audit_codes.py``). Codes are stable; labels are for people."""

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
    ACTING_ORGANIZATION_CHOSEN = (
        "membership.acting_chosen",
        _("Switched the organization acted for"),
    )
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
    BREAK_GLASS_STARTED = "break_glass.started", _("Break-glass emergency access started")
    BREAK_GLASS_ENDED = "break_glass.ended", _("Break-glass emergency access ended")
    BREAK_GLASS_REVIEWED = "break_glass.reviewed", _("Break-glass use reviewed")
    RETENTION_CHANGED = "retention.changed", _("Retention schedule changed")
    RETENTION_PURGED = "retention.purged", _("Records past the retention schedule purged")


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

    #: The chain the event belongs to: its organization's id, or 0 for the platform chain
    #: (events of no organization, and every event written before chains were per
    #: organization). ``sequence`` counts within the chain.
    chain = models.BigIntegerField(default=0)
    sequence = models.PositiveBigIntegerField()
    occurred_at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_name = models.CharField(max_length=200)
    organization_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=48, db_index=True)
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
    #: How ``hash`` was computed: ``sha256`` (plain, the events written before the chain was
    #: keyed) or ``hmac-sha256`` (keyed with ``PMHC_AUDIT_KEY``). See ``platform/audit.py``.
    scheme = models.CharField(max_length=16, default="sha256")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["action", "object_id", "occurred_at"])]
        constraints = [
            models.UniqueConstraint(fields=["chain", "sequence"], name="audit_chain_sequence")
        ]

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

    @property
    def action_label(self) -> str:
        """The label its app registered for the code (``platform/audit_codes.py``)."""
        return str(audit_codes.label(self.action))


class AuditChainHead(models.Model):
    """One row per chain holding its newest event's hash; locking it serialises the appends
    to that chain only."""

    chain = models.BigIntegerField(primary_key=True)
    sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
    #: An HMAC of ``sequence`` and ``last_hash`` with the audit key: a chain recomputed
    #: without the key (every event plain SHA-256 again) cannot be given a matching head.
    mac = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"audit head of chain {self.chain} #{self.sequence}"


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


class BreakGlassUse(models.Model):
    """One use of emergency access: a reason typed by the person, a time box, and a
    supervisor's review. While it is active and unexpired, the access policy opens the
    emergency purpose to its user in its organization (``platform/access.py``)."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "organization"
    #: Supervisors review uses; the person who broke the glass does not read the queue.
    access_read_roles: ClassVar[frozenset[Role]] = frozenset({Role.SUPERVISOR})
    #: The reason and the review note are typed and may describe a person: the audit trail
    #: keeps them as digests; the use's id links every read to them.
    audit_classifications: ClassVar[dict[str, str]] = {
        "reason": Classification.SAFETY,
        "review_note": Classification.SAFETY,
        "started_at": Classification.AGENCY,
        "expires_at": Classification.AGENCY,
        "ended_at": Classification.AGENCY,
        "reviewed_at": Classification.AGENCY,
        "justified": Classification.AGENCY,
    }
    REASON_MAX_LENGTH: ClassVar[int] = 500
    NOTE_MAX_LENGTH: ClassVar[int] = 1000

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="break_glass_uses")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="break_glass_uses"
    )
    reason = models.TextField(_("reason"), max_length=REASON_MAX_LENGTH)
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    justified = models.BooleanField(_("justified"), null=True, blank=True)
    review_note = models.TextField(_("review note"), max_length=NOTE_MAX_LENGTH, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [
            # The actor's active use, looked up on every request.
            models.Index(fields=["user", "expires_at"], name="break_glass_user_expiry"),
            # The review queue: an organization's unreviewed uses, oldest first.
            models.Index(
                fields=["organization", "reviewed_at", "started_at"],
                name="break_glass_review_queue",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("started_at")),
                name="break_glass_expires_after_start",
            ),
            models.CheckConstraint(
                condition=(
                    Q(reviewed_at__isnull=True, justified__isnull=True)
                    | Q(reviewed_at__isnull=False, justified__isnull=False)
                ),
                name="break_glass_review_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Break-glass {self.pk} by {self.user} at {self.organization}"

    def is_active(self, now: dt.datetime | None = None) -> bool:
        return self.ended_at is None and self.expires_at > (now or timezone.now())

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class SubmitToken(models.Model):
    """A used one-time submit token (``platform/submit_once.py``): a form carries a fresh random
    token; its first POST claims this row, and a repeat of the same POST goes where the first
    one went. The unique constraint is what lets only one of two concurrent requests through.

    Nothing here is about a person: ``owner`` names the account (or, signed out, a digest of
    the browser's CSRF secret), ``digest`` is a SHA-256 of the token, and ``result`` is the
    address the first POST led to, enciphered with a key only the token holder has, so that a
    private link (a request's status page) is not readable from the table. Rows are deleted
    once they are older than ``submit_once.KEEP``."""

    owner = models.CharField(max_length=80)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    #: Empty while the first POST is still running; then the enciphered address.
    result = models.BinaryField(default=b"", blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "digest"], name="platform_submit_token_once")
        ]

    def __str__(self) -> str:
        return f"submit token {self.digest[:8]}… of {self.owner}"


# Retention keeps its models in a module of its own; importing them here registers them.
from pmhc.platform.retention_models import (  # noqa: E402
    AuditChainAnchor as AuditChainAnchor,
)
from pmhc.platform.retention_models import (  # noqa: E402
    RetentionSchedule as RetentionSchedule,
)

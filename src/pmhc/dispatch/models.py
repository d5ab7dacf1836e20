"""Dispatch: calls for service, the call-taker protocol's rules, who is on duty, and CAD
imports.

Access. A call's times, place, type, triage answers and routing are the agency's operational
record, classified AGENCY and read for an active call by the roles that work calls
(``CALL_READERS``; a partner's clinicians too, under an agreement in force that covers agency
data for active calls). The call's narrative, its protocol answers and the reason it was
closed with no unit are restricted: ``Call`` names them in ``restricted_fields``, they are read
as SAFETY data (``NARRATIVE_CLASSIFICATION``) through ``platform.restricted`` on every page,
and every read of them is audited. A warm transfer (``CallTransfer``) holds no free text. The
people on a call are ``people.Person`` records, read through that app's selectors. API keys
act within the ``calls`` scope. Rules, shifts and teams are changed by coordinators (and
supervisors for the duty board); imports by coordinators and administrators.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmhc.platform.models import Classification, Organization, Role

CALL_READERS = frozenset(
    {Role.CALL_TAKER, Role.OFFICER, Role.SUPERVISOR, Role.CLINICIAN, Role.COORDINATOR}
)
CALL_WRITERS = frozenset({Role.CALL_TAKER, Role.OFFICER, Role.SUPERVISOR, Role.COORDINATOR})
RULE_WRITERS = frozenset({Role.COORDINATOR})
DUTY_WRITERS = frozenset({Role.COORDINATOR, Role.SUPERVISOR})
IMPORT_ROLES = frozenset({Role.COORDINATOR, Role.ADMINISTRATOR})
#: Who sends units and may move a team's status or a unit's progress from the duty board.
DISPATCHERS = frozenset({Role.CALL_TAKER, Role.SUPERVISOR, Role.COORDINATOR})
#: The roles a team's members work in (a partner's clinicians among them): as members, they
#: set their team's status and their progress on the calls the team is sent to.
UNIT_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.CLINICIAN})
NARRATIVE_CLASSIFICATION = Classification.SAFETY


class DatePrecision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")


class CallSource(models.TextChoices):
    NINE_ONE_ONE = "911", _("911")
    TRANSFER_988 = "988", _("Transfer from 988")
    OFFICER = "officer", _("Officer-initiated")
    CRISIS_TEAM = "crisis_team", _("Request from a mobile crisis team")
    OTHER = "other", _("Other")


class Indicator(models.TextChoices):
    """Mental health indicators a call-taker records in CAD."""

    SUICIDE = "suicide", _("Talk of suicide or self-harm")
    DISTRESS = "distress", _("Emotional distress")
    PSYCHOSIS = "psychosis", _("Confused, or seeing or hearing things")
    SUBSTANCE = "substance", _("Alcohol or drug use")
    DEVELOPMENTAL = "developmental", _("Intellectual or developmental disability")
    DEMENTIA = "dementia", _("Dementia or memory loss")
    WANDERING = "wandering", _("At risk of wandering")


class Routing(models.TextChoices):
    """What the protocol recommends, and what the call-taker decides."""

    CO_RESPONDER = "co_responder", _("Co-responder unit")
    CIT_OFFICER = "cit_officer", _("CIT officer")
    MOBILE_CRISIS = "mobile_crisis", _("Mobile crisis team, without police")
    TRANSFER_988 = "transfer_988", _("Warm transfer to 988 or the local crisis line")
    EMS = "ems", _("EMS")
    PATROL_PRIORITY = "patrol_priority", _("Patrol, with priority")
    FOLLOW_UP = "follow_up", _("Referral for follow-up, no unit now")


class TriageRuleSet(models.Model):
    """One version of an agency's routing rules. A published version never changes: editing
    makes a new draft, and publishing it makes it the one new calls use."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "organization"
    access_read_roles: ClassVar[frozenset[Role]] = CALL_READERS | {Role.ADMINISTRATOR}
    access_write_roles: ClassVar[frozenset[Role]] = RULE_WRITERS
    access_scope: ClassVar[str] = "calls"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(_("version"))
    rules = models.JSONField(_("rules"), default=list)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["organization", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "version"], name="dispatch_ruleset_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Rules v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class DutyShift(models.Model):
    """A shift of the agency's day, by local clock time; it may run past midnight."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "organization"
    access_read_roles: ClassVar[frozenset[Role]] = CALL_READERS | {Role.ADMINISTRATOR}
    access_write_roles: ClassVar[frozenset[Role]] = DUTY_WRITERS

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(
        _("shift"), max_length=40, help_text=_("As written on the roster, e.g. “Night”.")
    )
    starts_at = models.TimeField(_("starts"))
    ends_at = models.TimeField(_("ends"))

    class Meta:
        ordering = ["organization", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="dispatch_shift_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class TeamKind(models.TextChoices):
    CO_RESPONDER = "co_responder", _("Co-responder unit")
    MOBILE_CRISIS = "mobile_crisis", _("Mobile crisis team")
    EMS = "ems", _("EMS")
    OTHER = "other", _("Other")


class TeamStatus(models.TextChoices):
    """Whether a team can be sent now: "on duty" says when it works, this says whether it is
    free. Its members or a dispatcher set it."""

    AVAILABLE = "available", _("Available")
    ON_CALL = "on_call", _("On a call")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")


class Team(models.Model):
    """A team the agency's dispatchers can send: a co-responder unit, a partner's mobile
    crisis team, EMS. On duty on its days between its start and end times; free to send when
    its status is available. Its members (a partner's clinicians among them) see the calls it
    is sent to."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "organization"
    access_read_roles: ClassVar[frozenset[Role]] = CALL_READERS | {Role.ADMINISTRATOR}
    access_write_roles: ClassVar[frozenset[Role]] = DUTY_WRITERS

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=TeamKind.choices)
    provider = models.CharField(
        _("run by"), max_length=200, blank=True, help_text=_("The partner that staffs it, if any.")
    )
    contact = models.CharField(_("radio or phone"), max_length=60, blank=True)
    #: Monday is 0.
    days = models.JSONField(_("days"), default=list)
    starts_at = models.TimeField(_("on duty from"))
    ends_at = models.TimeField(_("until"))
    is_active = models.BooleanField(_("in service"), default=True)
    status = models.CharField(
        _("status"), max_length=16, choices=TeamStatus.choices, default=TeamStatus.AVAILABLE
    )
    status_changed_at = models.DateTimeField(_("status since"), null=True, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="dispatch_teams",
        verbose_name=_("members"),
    )

    class Meta:
        ordering = ["organization", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="dispatch_team_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class DispatchRevision(models.Model):
    """A stamp of what triage reads of an agency besides the call: its published rules, its
    shifts, and its teams (their statuses are read fresh). Every service that changes one gives
    the stamp a new value in the same transaction, so that a server process may keep them
    between requests and read them again as soon as the stamp it sees has moved."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "organization"

    organization = models.OneToOneField(
        Organization,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="dispatch_revision",
    )
    stamp = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.stamp}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class ImportFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    EIDD = "eidd", _("NENA EIDD (JSON)")


class ImportMapping(models.Model):
    """How one CAD export's columns and values become calls: saved per agency, by name."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "organization"
    access_read_roles: ClassVar[frozenset[Role]] = IMPORT_ROLES
    access_write_roles: ClassVar[frozenset[Role]] = IMPORT_ROLES

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    name = models.SlugField(_("name"), max_length=60)
    description = models.CharField(_("description"), max_length=300, blank=True)
    format = models.CharField(
        _("format"), max_length=8, choices=ImportFormat.choices, default=ImportFormat.CSV
    )
    #: Columns, date formats, value maps and date parts; see ``dispatch/cad_mapping.py``.
    config = models.JSONField(_("mapping"), default=dict)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["organization", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="dispatch_mapping_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Finished")
    ROLLED_BACK = "rolled_back", _("Rolled back: nothing imported")
    FAILED = "failed", _("Failed")


class CallImport(models.Model):
    """One CAD file brought in, its progress while it runs and its counts when done."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "organization"
    access_read_roles: ClassVar[frozenset[Role]] = IMPORT_ROLES
    access_write_roles: ClassVar[frozenset[Role]] = IMPORT_ROLES
    #: The flagged rows' notes name CAD event ids and times, as a rejection's reason does:
    #: agency data, never a person's; the import's audit events hold counts only.
    agency_text_fields: ClassVar[frozenset[str]] = frozenset({"notes"})

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    mapping = models.ForeignKey(
        ImportMapping, on_delete=models.SET_NULL, null=True, blank=True, related_name="imports"
    )
    format = models.CharField(_("format"), max_length=8, choices=ImportFormat.choices)
    file_name = models.CharField(_("file"), max_length=255)
    #: Where an uploaded file waits for the worker (under the private upload folder).
    stored_path = models.CharField(max_length=500, blank=True)
    all_or_nothing = models.BooleanField(_("all or nothing"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    bytes_total = models.PositiveBigIntegerField(default=0)
    bytes_done = models.PositiveBigIntegerField(default=0)
    rows_seen = models.PositiveIntegerField(_("rows read"), default=0)
    imported = models.PositiveIntegerField(_("new calls"), default=0)
    duplicates = models.PositiveIntegerField(_("already there"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    #: Rows imported with a time the mapping chose for them (a local time the clocks skipped
    #: or passed twice): how many, and the first of them with what was chosen.
    flagged = models.PositiveIntegerField(_("flagged"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: When the process running the import last committed a batch (or started, or was
    #: queued): an import whose heartbeat stops is resumed or failed by the worker's watch.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    #: How many processes have started it. Each commits only while the row still carries its
    #: number, so a process that was given up for dead cannot add to an import taken over.
    attempt = models.PositiveSmallIntegerField(default=0)
    #: The file line of the last row committed (``rows_seen`` counts the rows).
    last_line = models.PositiveIntegerField(_("last line committed"), default=0)
    #: Set when the process running the import died and it was queued again: it goes on after
    #: this line (the last one committed then).
    resumed_after = models.PositiveIntegerField(_("resumed after line"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status in {ImportStatus.DONE, ImportStatus.ROLLED_BACK}:
            return 100
        if not self.bytes_total:
            return 0
        return min(100, int(100 * self.bytes_done / self.bytes_total))

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class CallImportRejection(models.Model):
    """A row an import refused: its line in the file and why. No other content of the row is
    kept, so a rejected narrative is not stored."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "batch__organization"
    access_read_roles: ClassVar[frozenset[Role]] = IMPORT_ROLES
    access_write_roles: ClassVar[frozenset[Role]] = IMPORT_ROLES

    batch = models.ForeignKey(CallImport, on_delete=models.CASCADE, related_name="rejections")
    line = models.PositiveIntegerField(_("line"))
    cad_event_id = models.CharField(_("CAD event id"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        ordering = ["batch", "line", "pk"]
        indexes = [models.Index(fields=["batch", "line"])]

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.batch.organization_id})


#: A call routed otherwise than the protocol recommended (the calls list's filter; a partial
#: index holds these calls alone).
DECISION_DIFFERS = ~Q(decision="") & ~Q(decision=models.F("recommendation"))


class Call(models.Model):
    """A call for service, as the agency's CAD knows it, with the protocol's triage."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "organization"
    access_read_roles: ClassVar[frozenset[Role]] = CALL_READERS
    access_write_roles: ClassVar[frozenset[Role]] = CALL_WRITERS
    access_scope: ClassVar[str] = "calls"
    #: Read as safety data about the person: the caller's account, and the protocol's answers
    #: (what the person is doing, their treatment, violence and victimization history).
    restricted_fields: ClassVar[Mapping[str, Classification]] = {
        "narrative": NARRATIVE_CLASSIFICATION,
        "answers": NARRATIVE_CLASSIFICATION,
        "close_reason": NARRATIVE_CLASSIFICATION,
        # The rules' reasons name what the answers said ("at risk and using alcohol or drugs
        # now"), so they are read as the answers are.
        "reasons": NARRATIVE_CLASSIFICATION,
    }
    #: Free text read as agency data on purpose: CAD's codes and place, the call-taker's name,
    #: and why the call-taker's route differs from the recommendation (coordinators read it to
    #: tune the rules, and the triage audit keeps it).
    agency_text_fields: ClassVar[frozenset[str]] = frozenset(
        {
            "cad_event_id",
            "address",
            "district",
            "beat",
            "call_type",
            "apco_type",
            "cad_disposition",
            "decision_reason",
            "triaged_by_name",
        }
    )
    #: How the audit trail keeps the call's events (``platform/audit.py``), stricter than its
    #: pages: administrators read the trail and may not read calls. Besides the restricted
    #: fields, what the protocol says about the person (the indicators, the rules their
    #: answers matched and the reasons those rules give, why the route differs) is SAFETY,
    #: and the place, usually where the person lives, PERSONAL. Kept as digests.
    audit_classifications: ClassVar[Mapping[str, str]] = {
        "mh_indicators": Classification.SAFETY,
        "matched": Classification.SAFETY,
        "reasons": Classification.SAFETY,
        "decision_reason": Classification.SAFETY,
        "address": Classification.PERSONAL,
        "latitude": Classification.PERSONAL,
        "longitude": Classification.PERSONAL,
    }

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    cad_event_id = models.CharField(_("CAD event id"), max_length=64)
    received_at = models.DateTimeField(_("received"))
    #: How much of ``received_at`` is known: an open-data export may give the month and the
    #: hour but no day; such a call is stored on the month's first day and shown as its month.
    received_precision = models.CharField(
        _("received date known to the"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    first_arrival_at = models.DateTimeField(_("first unit arrived"), null=True, blank=True)
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    district = models.CharField(_("district"), max_length=60, blank=True)
    beat = models.CharField(_("beat"), max_length=30, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    call_type = models.CharField(_("call type"), max_length=60, blank=True)
    apco_type = models.CharField(_("APCO incident type"), max_length=12, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=12, choices=CallSource.choices, default=CallSource.NINE_ONE_ONE
    )
    #: Set when the call-taker or the CAD marks the call as a mental health call.
    is_mental_health = models.BooleanField(_("mental health call"), default=False)
    mh_indicators = models.JSONField(_("mental health indicators"), default=list, blank=True)
    #: Restricted (see ``restricted_fields``).
    narrative = models.TextField(_("narrative"), blank=True)
    units = models.JSONField(_("units assigned"), default=list, blank=True)
    cad_disposition = models.CharField(_("CAD disposition"), max_length=60, blank=True)
    cit_requested = models.BooleanField(_("CIT officer requested"), default=False)
    cit_dispatched = models.BooleanField(_("CIT officer dispatched"), default=False)
    cit_arrived = models.BooleanField(_("CIT officer arrived"), default=False)

    # The call-taker protocol: what was asked, under which rules, what they advised, and
    # what was done.
    answers = models.JSONField(_("protocol answers"), default=dict, blank=True)
    rule_set = models.ForeignKey(
        TriageRuleSet, on_delete=models.PROTECT, null=True, blank=True, related_name="calls"
    )
    recommendation = models.CharField(
        _("recommended"), max_length=16, choices=Routing.choices, blank=True
    )
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    #: Every unit of the recommended response, the lead (``recommendation``) first.
    recommended_units = models.JSONField(_("recommended units"), default=list, blank=True)
    decision = models.CharField(_("decided"), max_length=16, choices=Routing.choices, blank=True)
    decision_reason = models.TextField(_("why the decision differs"), blank=True)
    triaged_at = models.DateTimeField(null=True, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    triaged_by_name = models.CharField(max_length=200, blank=True)
    #: Why the call was cleared with no unit sent and no transfer accepted (restricted: it
    #: may say what the person wanted).
    close_reason = models.TextField(_("why closed without a unit"), blank=True)

    import_batch = models.ForeignKey(
        CallImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    #: When the retention schedule blanked what the call said about people (``retention.py``).
    deidentified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "cad_event_id"], name="dispatch_call_cad_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(priority__isnull=True) | Q(priority__gte=1, priority__lte=9),
                name="dispatch_call_priority_range",
            ),
        ]
        # The calls list reads newest first, by (received_at, id), within the organizations
        # the reader may see, under each filter it offers: one index per filter, so a page
        # reads its rows from an index whatever the table's size.
        indexes = [
            models.Index(
                fields=["organization", "-received_at", "-id"], name="dispatch_call_org_newest"
            ),
            models.Index(fields=["-received_at", "-id"], name="dispatch_call_newest"),
            models.Index(
                fields=["organization", "is_mental_health", "-received_at", "-id"],
                name="dispatch_call_org_mh_newest",
            ),
            models.Index(
                fields=["organization", "district", "-received_at", "-id"],
                name="dispatch_call_org_district",
            ),
            models.Index(
                fields=["organization", "-received_at", "-id"],
                condition=DECISION_DIFFERS,
                name="dispatch_call_org_differs",
            ),
            # What was written since a moment (Measure's refresh of its rollups).
            models.Index(fields=["organization", "updated_at"], name="dispatch_call_org_updated"),
        ]

    def __str__(self) -> str:
        return self.cad_event_id

    @property
    def decision_differs(self) -> bool:
        return bool(self.decision) and self.decision != self.recommendation

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class AssignmentStatus(models.TextChoices):
    """A unit's progress on a call, in order; a call waiting for a busy team is queued."""

    QUEUED = "queued", _("Waiting in the queue")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    EN_ROUTE = "en_route", _("En route")
    ON_SCENE = "on_scene", _("On scene")
    CLEAR = "clear", _("Clear")
    CANCELLED = "cancelled", _("Cancelled")


#: Each step of a unit's progress and the one that may follow it.
NEXT_STEP: Mapping[str, str] = {
    AssignmentStatus.SENT: AssignmentStatus.ACCEPTED,
    AssignmentStatus.ACCEPTED: AssignmentStatus.EN_ROUTE,
    AssignmentStatus.EN_ROUTE: AssignmentStatus.ON_SCENE,
    AssignmentStatus.ON_SCENE: AssignmentStatus.CLEAR,
}
#: A unit is working the call from being sent until it clears.
CURRENT_STEPS = frozenset(NEXT_STEP)
#: The time each step sets on the assignment.
STEP_TIMES: Mapping[str, str] = {
    AssignmentStatus.ACCEPTED: "accepted_at",
    AssignmentStatus.EN_ROUTE: "en_route_at",
    AssignmentStatus.ON_SCENE: "on_scene_at",
    AssignmentStatus.CLEAR: "cleared_at",
}


class CallAssignment(models.Model):
    """A unit sent to a call: an officer from the roster, a team, or a unit by its call sign.
    Whether the officer held a current CIT certification is kept as it was at dispatch. Its
    status and the time of each step are set by the unit or the dispatcher."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "call__organization"
    access_read_roles: ClassVar[frozenset[Role]] = CALL_READERS
    access_write_roles: ClassVar[frozenset[Role]] = CALL_WRITERS

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="assignments")
    trainee = models.ForeignKey(
        "training.Trainee", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="assignments"
    )
    unit = models.CharField(_("unit"), max_length=60)
    cit_certified = models.BooleanField(_("CIT-certified"), default=False)
    assigned_at = models.DateTimeField(default=timezone.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.SENT
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    en_route_at = models.DateTimeField(_("en route"), null=True, blank=True)
    on_scene_at = models.DateTimeField(_("on scene"), null=True, blank=True)
    cleared_at = models.DateTimeField(_("clear"), null=True, blank=True)

    class Meta:
        ordering = ["call", "assigned_at", "pk"]
        indexes = [models.Index(fields=["team", "status", "assigned_at"])]

    def __str__(self) -> str:
        return self.unit

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.call.organization_id})


class CrisisLine(models.TextChoices):
    LINE_988 = "988", _("988 Suicide & Crisis Lifeline")
    LOCAL = "local", _("Local crisis line")


class CallTransfer(models.Model):
    """A warm transfer of the call to 988 or the local crisis line: when, and whether the line
    took it. A transfer not accepted falls back to a unit."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "call__organization"
    access_read_roles: ClassVar[frozenset[Role]] = CALL_READERS
    access_write_roles: ClassVar[frozenset[Role]] = CALL_WRITERS

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="transfers")
    line = models.CharField(_("transferred to"), max_length=8, choices=CrisisLine.choices)
    transferred_at = models.DateTimeField(_("transferred"))
    accepted = models.BooleanField(_("accepted"))
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["call", "transferred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_line_display()} ({'accepted' if self.accepted else 'not accepted'})"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.call.organization_id})


class PersonRole(models.TextChoices):
    SUBJECT = "subject", _("Person in crisis")
    CALLER = "caller", _("Caller")
    FAMILY = "family", _("Family or support person")
    WITNESS = "witness", _("Witness")
    OTHER = "other", _("Other")


class CallPerson(models.Model):
    """A person involved in a call. The person's details are read through ``people``."""

    access_classification: ClassVar[str] = Classification.PERSONAL
    access_org_lookup: ClassVar[str] = "call__organization"
    access_write_roles: ClassVar[frozenset[Role]] = CALL_WRITERS
    #: The link's events keep the call's and the person's ids (relations) and how the person
    #: was involved in clear (``platform/audit.py``).
    audit_classifications: ClassVar[Mapping[str, str]] = {"role": Classification.AGENCY}

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="calls")
    role = models.CharField(
        _("involved as"), max_length=10, choices=PersonRole.choices, default=PersonRole.SUBJECT
    )

    class Meta:
        ordering = ["call", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["call", "person"], name="dispatch_call_person_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} on {self.call_id}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.call.organization_id})

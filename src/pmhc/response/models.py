"""Response: the encounter report an officer or clinician files from the scene, and its review.

Access. An encounter is the agency's operational record of what happened on a call (who
responded, what was seen, force, injuries, disposition, transport and custodial transfer),
classified AGENCY and read for an active call by the roles that respond to and supervise calls
(``ENCOUNTER_READERS``). What it says about the person (what they were seen to do, the force
used on them and why, why a facility turned them away, the narrative) and the reviewers' and
amenders' words about it are read as SAFETY data: each model names those fields in
``restricted_fields``, ``platform.restricted`` applies them on every page, and every read is
audited. The people involved are ``people.Person`` records, read through that app's
selectors. Responders and supervisors write (``ENCOUNTER_WRITERS``); the services narrow it
further: a report is changed by its author until it is submitted, reviewed by a supervisor, and
once accepted it is locked and changes only by amendment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmhc.platform.models import Classification, Organization, Role

ENCOUNTER_READERS = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.CLINICIAN, Role.COORDINATOR})
ENCOUNTER_WRITERS = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.CLINICIAN})
REVIEWERS = frozenset({Role.SUPERVISOR})
DISPOSITION_WRITERS = frozenset({Role.COORDINATOR, Role.ADMINISTRATOR})
SAFETY = Classification.SAFETY


class DispositionOutcome(models.TextChoices):
    """How a disposition counts toward the field's outcomes."""

    RESOLVED = "resolved", _("Resolved without further service")
    CONNECTED = "connected", _("Connected to services")
    DETAINED = "detained", _("Involuntary detention")
    DECLINED = "declined", _("Services declined")
    ARREST = "arrest", _("Arrest")
    OTHER = "other", _("Other")


class Disposition(models.Model):
    """One entry of an agency's disposition list; it starts from the list in common use and
    the agency edits it."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "organization"
    access_write_roles: ClassVar[frozenset[Role]] = DISPOSITION_WRITERS

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("label"), max_length=120)
    outcome = models.CharField(_("counts as"), max_length=12, choices=DispositionOutcome.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["organization", "position", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"], name="response_disposition_unique"
            )
        ]

    def __str__(self) -> str:
        return self.label

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class EncounterStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for review")
    RETURNED = "returned", _("Returned for changes")
    ACCEPTED = "accepted", _("Accepted")


class Force(models.TextChoices):
    """The highest level of force used, in order."""

    NONE = "none", _("None")
    PRESENCE = "presence", _("Officer presence")
    VERBAL = "verbal", _("Verbal direction")
    HANDS_ON = "hands_on", _("Hands-on")
    LESS_LETHAL = "less_lethal", _("Less-lethal weapon")
    LETHAL = "lethal", _("Lethal force")


#: The levels of force, lowest first: above presence, a narrative is required.
FORCE_ORDER = [choice.value for choice in Force]


class Injury(models.TextChoices):
    NONE = "none", _("None")
    MINOR = "minor", _("Minor: first aid")
    SERIOUS = "serious", _("Serious: hospital treatment")
    FATAL = "fatal", _("Fatal")


class Deescalation(models.TextChoices):
    VERBAL = "verbal", _("Calm verbal engagement")
    TIME = "time", _("Slowed down: time and distance")
    SPACE = "space", _("Reduced noise, lights or people")
    CLINICIAN = "clinician", _("Clinician led the conversation")
    SUPPORT = "support", _("Family or a support person helped")
    CHOICES = "choices", _("Offered choices")


class Transport(models.TextChoices):
    NONE = "none", _("No transport")
    VOLUNTARY = "voluntary", _("Voluntary")
    INVOLUNTARY = "involuntary", _("Involuntary")


class TransportBy(models.TextChoices):
    POLICE = "police", _("Police")
    EMS = "ems", _("EMS")
    CRISIS_TEAM = "crisis_team", _("Crisis team")


class Destination(models.TextChoices):
    """Where the person was taken, as the outcomes count it; the facility's name is kept
    beside it."""

    EMERGENCY_DEPARTMENT = "emergency_department", _("Emergency department")
    CRISIS_CENTER = "crisis_center", _("Crisis receiving or stabilization center")
    PSYCHIATRIC_HOSPITAL = "psychiatric_hospital", _("Psychiatric hospital")
    DETOX = "detox", _("Detox or sobering center")
    JAIL = "jail", _("Jail")
    SHELTER = "shelter", _("Shelter")
    HOME = "home", _("Home, or left at the scene")
    OTHER = "other", _("Other")


class RestraintKind(models.TextChoices):
    HANDCUFFS = "handcuffs", _("Handcuffs")
    LEG = "leg", _("Leg restraints")
    SOFT = "soft", _("Soft restraints")
    OTHER = "other", _("Other")


class LawOutcome(models.TextChoices):
    """What was done about an offence. "Diverted" is a person who could have been arrested
    and was taken to services instead (Fairfax County Diversion First)."""

    NONE = "none", _("No enforcement action")
    ARRESTED = "arrested", _("Arrested")
    CITED = "cited", _("Cited or summonsed")
    DIVERTED = "diverted", _("Diverted to services instead of arrest")


class ChargeLevel(models.TextChoices):
    NONE = "none", _("None")
    VIOLATION = "violation", _("Violation")
    MISDEMEANOR = "misdemeanor", _("Misdemeanor")
    FELONY = "felony", _("Felony")


class WouldHaveGone(models.TextChoices):
    """The responder's answer: without this response, would the person have gone to an
    emergency department?"""

    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNSURE = "unsure", _("Not sure")


#: "Diverted from potential arrest": the person could have been arrested and was diverted
#: to services instead. The one definition; every count of diversions uses it.
DIVERTED_FROM_ARREST = Q(arrest_eligible=True, law_outcome=LawOutcome.DIVERTED)
#: An emergency-department visit avoided: the responder answered that without this response
#: the person would have gone to an emergency department, and they were not taken to one
#: (another destination, or no transport at all).
ED_VISIT_AVOIDED = Q(ed_otherwise=WouldHaveGone.YES) & ~Q(
    destination_kind=Destination.EMERGENCY_DEPARTMENT
)


class Encounter(models.Model):
    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "organization"
    access_read_roles: ClassVar[frozenset[Role]] = ENCOUNTER_READERS
    access_write_roles: ClassVar[frozenset[Role]] = ENCOUNTER_WRITERS
    #: Read as safety data about the person, not as the agency's record of the call: what
    #: they were seen to do, the force used on them and why, why a facility refused them, and
    #: the narrative. The levels of force and injury stay agency data: they are the outcomes
    #: the program is measured on, counted without the person.
    restricted_fields: ClassVar[Mapping[str, Classification]] = {
        "danger_to_self": SAFETY,
        "danger_to_others": SAFETY,
        "crime_suspected": SAFETY,
        "force_reason": SAFETY,
        "force_narrative": SAFETY,
        "refusal_reason": SAFETY,
        "narrative": SAFETY,
    }
    #: Free text read as agency data on purpose: the statute or order relied on, and the
    #: facility the person was taken to. Whether an offence was involved, the possible charge
    #: and what was done about it are the diversion outcomes, counted without the person, as
    #: the dispositions are.
    agency_text_fields: ClassVar[frozenset[str]] = frozenset({"legal_basis", "destination"})
    #: Keys of the report's audit events that are not its fields (``platform/audit.py``): a
    #: reviewer's comment and an amendment's reason discuss what the report says, so the
    #: trail keeps them as digests, like the restricted fields.
    audit_classifications: ClassVar[Mapping[str, str]] = {"comment": SAFETY, "reason": SAFETY}
    #: The other dispositions the services put on the report, saved once the report is (a
    #: many-to-many needs the report's row first).
    pending_other_dispositions: list[Disposition] | None = None

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    call = models.ForeignKey("dispatch.Call", on_delete=models.PROTECT, related_name="encounters")
    status = models.CharField(
        _("status"), max_length=10, choices=EncounterStatus.choices, default=EncounterStatus.DRAFT
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    arrived_at = models.DateTimeField(_("arrived on scene"), null=True, blank=True)

    # What was observed.
    danger_to_self = models.BooleanField(_("danger to self"), default=False)
    danger_to_others = models.BooleanField(_("danger to others"), default=False)
    crime_suspected = models.BooleanField(_("crime suspected"), default=False)
    deescalation = models.JSONField(_("de-escalation used"), default=list, blank=True)

    # Force and injury.
    highest_force = models.CharField(
        _("highest level of force"), max_length=12, choices=Force.choices, default=Force.NONE
    )
    force_reason = models.CharField(_("reason for force"), max_length=300, blank=True)
    force_narrative = models.TextField(_("what force was used and why"), blank=True)
    officer_injury = models.CharField(
        _("officer injury"), max_length=8, choices=Injury.choices, default=Injury.NONE
    )
    subject_injury = models.CharField(
        _("injury to the person in crisis"), max_length=8, choices=Injury.choices, default="none"
    )
    other_injury = models.CharField(
        _("injury to others"), max_length=8, choices=Injury.choices, default=Injury.NONE
    )
    swat_callout = models.BooleanField(_("SWAT called out"), default=False)

    # Disposition and transport.
    disposition = models.ForeignKey(
        Disposition, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    transport = models.CharField(
        _("transport"), max_length=12, choices=Transport.choices, default=Transport.NONE
    )
    legal_basis = models.CharField(
        _("legal basis for involuntary transport"), max_length=200, blank=True
    )
    transport_by = models.CharField(
        _("transported by"), max_length=12, choices=TransportBy.choices, blank=True
    )
    destination_kind = models.CharField(
        _("taken to"), max_length=24, choices=Destination.choices, blank=True
    )
    #: The facility's name (before destinations were coded, the only destination field).
    destination = models.CharField(_("facility name"), max_length=200, blank=True)
    restraints_used = models.BooleanField(_("restraints used in transport"), default=False)
    restraint_kind = models.CharField(
        _("kind of restraint"), max_length=10, choices=RestraintKind.choices, blank=True
    )
    other_dispositions = models.ManyToManyField(
        Disposition, blank=True, related_name="+", verbose_name=_("other dispositions")
    )

    # Arrest and diversion.
    offence_present = models.BooleanField(_("an offence was involved"), default=False)
    arrest_eligible = models.BooleanField(_("the person could have been arrested"), default=False)
    law_outcome = models.CharField(
        _("arrested, cited or diverted"),
        max_length=10,
        choices=LawOutcome.choices,
        default=LawOutcome.NONE,
    )
    charge_level = models.CharField(
        _("most serious possible charge"),
        max_length=12,
        choices=ChargeLevel.choices,
        default=ChargeLevel.NONE,
    )
    booked = models.BooleanField(_("booked into jail"), default=False)
    ed_otherwise = models.CharField(
        _("would have gone to an emergency department without this response"),
        max_length=8,
        choices=WouldHaveGone.choices,
        blank=True,
    )

    # Custodial transfer.
    arrived_facility_at = models.DateTimeField(_("arrived at the facility"), null=True, blank=True)
    handoff_at = models.DateTimeField(_("handed off"), null=True, blank=True)
    refused_at_facility = models.BooleanField(_("refused at the facility"), default=False)
    refusal_reason = models.CharField(_("why it refused"), max_length=300, blank=True)
    back_in_service_at = models.DateTimeField(_("back in service"), null=True, blank=True)

    #: Restricted (see ``restricted_fields``).
    narrative = models.TextField(_("narrative"), blank=True)

    submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: When the retention schedule blanked what the report said about people (``retention.py``).
    deidentified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["organization", "created_at"]),
            # The review queue: an agency's submitted reports, oldest first.
            models.Index(
                fields=["organization", "status", "submitted_at", "id"],
                name="response_enc_review_queue",
            ),
            # What was written since a moment (Measure's refresh of its rollups).
            models.Index(fields=["organization", "updated_at"], name="response_enc_org_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(transport="involuntary") | ~Q(legal_basis=""),
                name="response_involuntary_needs_basis",
            ),
        ]

    def __str__(self) -> str:
        return f"Encounter {self.pk} on {self.call_id}"

    @property
    def facility_wait(self) -> dt.timedelta | None:
        """From arrival at the facility to its acceptance of the person (the handoff)."""
        if self.arrived_facility_at is None or self.handoff_at is None:
            return None
        return self.handoff_at - self.arrived_facility_at

    @property
    def is_locked(self) -> bool:
        return self.status == EncounterStatus.ACCEPTED

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class ResponderRole(models.TextChoices):
    OFFICER = "officer", _("Officer")
    CLINICIAN = "clinician", _("Clinician")
    OTHER = "other", _("Other")


class EncounterResponder(models.Model):
    """Who responded; whether an officer held a current CIT certification is read from Train
    when they are added and kept as it was then."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "encounter__organization"
    access_read_roles: ClassVar[frozenset[Role]] = ENCOUNTER_READERS
    access_write_roles: ClassVar[frozenset[Role]] = ENCOUNTER_WRITERS

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="responders")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    trainee = models.ForeignKey(
        "training.Trainee", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(
        _("role"), max_length=10, choices=ResponderRole.choices, default="officer"
    )
    cit_certified = models.BooleanField(_("CIT-certified"), default=False)
    #: Their own time on the call; officer-hours add these up (Lenexa PD's officer-hours per
    #: call). When left out, the report's arrival and back-in-service times stand in.
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)

    class Meta:
        ordering = ["encounter", "pk"]

    def __str__(self) -> str:
        return self.name

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.encounter.organization_id})


class RaceEthnicity(models.TextChoices):
    """Race and ethnicity as the agency records them: the categories of the U.S. federal
    standard (OMB SPD 15, 2024); several may be chosen, or "not recorded"."""

    AMERICAN_INDIAN = "american_indian", _("American Indian or Alaska Native")
    ASIAN = "asian", _("Asian")
    BLACK = "black", _("Black or African American")
    HISPANIC = "hispanic", _("Hispanic or Latino")
    MIDDLE_EASTERN = "mena", _("Middle Eastern or North African")
    PACIFIC_ISLANDER = "pacific_islander", _("Native Hawaiian or Pacific Islander")
    WHITE = "white", _("White")
    NOT_RECORDED = "not_recorded", _("Not recorded")


class HousingStatus(models.TextChoices):
    NOT_RECORDED = "", _("Not recorded")
    HOUSED = "housed", _("Housed")
    UNSHELTERED = "unsheltered", _("Unsheltered")
    SHELTERED = "sheltered", _("In a shelter or temporary housing")
    INSTITUTION = "institution", _("In a facility or institution")


class PresentingConcern(models.TextChoices):
    MENTAL_ILLNESS = "mental_illness", _("Mental illness")
    SUBSTANCE_USE = "substance_use", _("Substance use")
    DEVELOPMENTAL = "developmental", _("Developmental disability")
    DEMENTIA = "dementia", _("Dementia")
    SUICIDAL = "suicidal", _("Suicidal")
    OTHER = "other", _("Other")


class EncounterPerson(models.Model):
    """A person involved in an encounter, and what the responder recorded about them there,
    voluntarily, for equity analysis: race and ethnicity and housing (personal data) and the
    presenting concern (safety data, as the narrative is). Each is read through
    ``platform.restricted`` and every read is audited."""

    access_classification: ClassVar[str] = Classification.PERSONAL
    access_org_lookup: ClassVar[str] = "encounter__organization"
    access_write_roles: ClassVar[frozenset[Role]] = ENCOUNTER_WRITERS
    restricted_fields: ClassVar[Mapping[str, Classification]] = {
        "race_ethnicity": Classification.PERSONAL,
        "housing_status": Classification.PERSONAL,
        "presenting_concerns": SAFETY,
    }
    #: How the person was involved is a code ("subject", "family", ...), not their words.
    agency_text_fields: ClassVar[frozenset[str]] = frozenset({"role"})

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="encounters")
    role = models.CharField(_("involved as"), max_length=10, default="subject")
    race_ethnicity = models.JSONField(_("race and ethnicity"), default=list, blank=True)
    housing_status = models.CharField(
        _("housing"), max_length=12, choices=HousingStatus.choices, blank=True
    )
    presenting_concerns = models.JSONField(_("presenting concern"), default=list, blank=True)

    class Meta:
        ordering = ["encounter", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["encounter", "person"], name="response_encounter_person_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} in {self.encounter_id}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.encounter.organization_id})


class ReviewDecision(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned for changes")


class EncounterReview(models.Model):
    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "encounter__organization"
    access_read_roles: ClassVar[frozenset[Role]] = ENCOUNTER_READERS
    access_write_roles: ClassVar[frozenset[Role]] = REVIEWERS
    #: A reviewer's comments discuss what the report says (the force, the narrative), so they
    #: are read as the narrative is.
    restricted_fields: ClassVar[Mapping[str, Classification]] = {"comment": SAFETY}
    agency_text_fields: ClassVar[frozenset[str]] = frozenset()

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="reviews")
    decision = models.CharField(_("decision"), max_length=10, choices=ReviewDecision.choices)
    comment = models.TextField(_("comments"), blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["encounter", "reviewed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="returned") | ~Q(comment=""),
                name="response_return_needs_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} {self.encounter_id}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.encounter.organization_id})


class EncounterAmendment(models.Model):
    """A correction to an accepted report: what changed, from what, to what, and why."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "encounter__organization"
    access_read_roles: ClassVar[frozenset[Role]] = ENCOUNTER_READERS
    access_write_roles: ClassVar[frozenset[Role]] = ENCOUNTER_WRITERS
    #: Why a report was corrected quotes what was corrected. Each change's from and to are
    #: read under the ``Encounter`` declaration for the field changed.
    restricted_fields: ClassVar[Mapping[str, Classification]] = {"reason": SAFETY}
    agency_text_fields: ClassVar[frozenset[str]] = frozenset()

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="amendments")
    changes = models.JSONField(_("changes"), default=dict)
    reason = models.TextField(_("reason"))
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    amended_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["encounter", "amended_at", "pk"]

    def __str__(self) -> str:
        return f"Amendment to {self.encounter_id}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.encounter.organization_id})


#: Who files a contact note (the clinician sent with a team) and who closes its follow-up
#: (the clinician or a case manager of the same organization).
CONTACT_WRITERS = frozenset({Role.CLINICIAN, Role.CASE_MANAGER})
CLINICAL = Classification.CLINICAL


class RiskLevel(models.TextChoices):
    """The clinician's judgement of the person's risk at the contact."""

    NONE = "none", _("No risk found")
    LOW = "low", _("Low")
    MODERATE = "moderate", _("Moderate")
    HIGH = "high", _("High")


class ContactNote(models.Model):
    """A clinician's note of their contact with a person on a call their team was sent to:
    whether an assessment was done, the risk level, whether a safety plan was made, and the
    follow-up arranged (with whom and when), with a free-text note. No police fields.

    Access. The note is clinical data held by the clinician's organization, not by the agency
    whose call it was: its clinicians and case managers read it (for care), others only where
    the policy grants clinical data (a partner with the person's consent, an emergency). The
    agency that sent the team reads, as agency data about its call, only that a note exists
    and the date of its follow-up (``contact_selectors.call_summary``). Every read of the
    note's fields is audited, and the audit trail keeps its values as digests.
    """

    access_classification: ClassVar[str] = CLINICAL
    access_org_lookup: ClassVar[str] = "organization"
    access_write_roles: ClassVar[frozenset[Role]] = CONTACT_WRITERS
    restricted_fields: ClassVar[Mapping[str, Classification]] = {
        "assessment_done": CLINICAL,
        "risk_level": CLINICAL,
        "safety_plan": CLINICAL,
        "follow_up_with": CLINICAL,
        "note": CLINICAL,
    }
    agency_text_fields: ClassVar[frozenset[str]] = frozenset({"filed_by_name"})

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    call = models.ForeignKey(
        "dispatch.Call", on_delete=models.PROTECT, related_name="contact_notes"
    )
    assignment = models.ForeignKey(
        "dispatch.CallAssignment", on_delete=models.PROTECT, related_name="contact_notes"
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_notes",
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_by_name = models.CharField(max_length=200)
    assessment_done = models.BooleanField(_("assessment done"), default=False)
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    safety_plan = models.BooleanField(_("safety plan made"), default=False)
    follow_up_with = models.CharField(_("follow-up with"), max_length=200, blank=True)
    follow_up_on = models.DateField(_("follow-up date"), null=True, blank=True)
    follow_up_done_at = models.DateTimeField(_("follow-up done"), null=True, blank=True)
    follow_up_done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "follow_up_done_at", "follow_up_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(follow_up_on__isnull=True) & Q(follow_up_with=""))
                | (Q(follow_up_on__isnull=False) & ~Q(follow_up_with="")),
                name="response_follow_up_whom_and_when",
            ),
        ]

    def __str__(self) -> str:
        return f"Contact note {self.pk} on {self.call_id}"

    @property
    def access_person_id(self) -> int | None:
        return self.person_id

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})

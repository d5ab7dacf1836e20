"""Every read of encounter reports and dispositions, narrowed to what the actor may see.

Reports are read for an active call by officers, supervisors, clinicians and coordinators of
the agency, and by a partner's clinicians under an agreement in force that covers agency data
for active calls. The fields each model names in ``restricted_fields`` (the narrative, the
force reason and narrative, what was observed, reviewers' comments, ...) are read through
``platform.restricted``: shown only when the policy allows their classification, a marker
otherwise, and each showing audited. The people involved are read through
``people.selectors``, which audits each one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext

from pmhc.dispatch import report_states
from pmhc.dispatch.models import Call
from pmhc.people import selectors as people_selectors
from pmhc.people.models import Person
from pmhc.platform import dates, restricted
from pmhc.platform.access import (
    Action,
    Actor,
    Target,
    allowed_organization_ids,
    decide,
    get_or_404,
    restrict,
)
from pmhc.platform.models import (
    Classification,
    Membership,
    Organization,
    Purpose,
    Role,
    User,
)
from pmhc.platform.selectors import acting_organization
from pmhc.response.audit_codes import ResponseAudit
from pmhc.response.models import (
    DISPOSITION_WRITERS,
    DIVERTED_FROM_ARREST,
    ED_VISIT_AVOIDED,
    ENCOUNTER_READERS,
    ENCOUNTER_WRITERS,
    FORCE_ORDER,
    REVIEWERS,
    Disposition,
    Encounter,
    EncounterAmendment,
    EncounterPerson,
    EncounterResponder,
    EncounterReview,
    EncounterStatus,
    Force,
    HousingStatus,
    LawOutcome,
    PresentingConcern,
    RaceEthnicity,
    ResponderRole,
    ReviewDecision,
)

ACTIVE_CALL = Purpose.ACTIVE_CALL
ADMIN = Purpose.ADMINISTRATION
#: Roles that see the agency's reports on the list, beside their own.
AGENCY_LIST_ROLES = frozenset({Role.SUPERVISOR, Role.COORDINATOR})
_DETAIL_CHOICES = {
    "race_ethnicity": RaceEthnicity.choices,
    "housing_status": HousingStatus.choices,
    "presenting_concerns": PresentingConcern.choices,
}
#: Who reads the agency's outcome counts (counts only, never a row about a person).
OUTCOME_READERS = frozenset({Role.COORDINATOR, Role.SUPERVISOR})
#: The roles a responder added from the agency's members may hold.
RESPONDER_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.CLINICIAN})


def encounter_target(organization: Organization) -> Target:
    """An agency's encounter reports as the policy sees them, before one exists."""
    return Target(
        organization_ids=frozenset({organization.pk}),
        access_classification=Classification.AGENCY,
        access_read_roles=ENCOUNTER_READERS,
        access_write_roles=ENCOUNTER_WRITERS,
    )


def review_target(organization_id: int) -> Target:
    """Reviewing and amending: supervisors of the agency that holds the report."""
    return Target(
        organization_ids=frozenset({organization_id}),
        access_classification=Classification.AGENCY,
        access_write_roles=REVIEWERS,
    )


def disposition_target(organization: Organization) -> Target:
    return Target(
        organization_ids=frozenset({organization.pk}),
        access_classification=Classification.AGENCY,
        access_write_roles=DISPOSITION_WRITERS,
    )


# --- Permissions the pages show or hide ----------------------------------------------------


def can_edit(actor: Actor, encounter: Encounter) -> bool:
    """The author, while the report is a draft or has been returned."""
    return (
        encounter.status in {EncounterStatus.DRAFT, EncounterStatus.RETURNED}
        and actor.user_id is not None
        and encounter.filed_by_id == actor.user_id
        and bool(decide(actor, Action.CHANGE, encounter, ACTIVE_CALL))
    )


def can_review(actor: Actor, encounter: Encounter) -> bool:
    """A supervisor of the agency other than the author, while it waits for review."""
    return (
        encounter.status == EncounterStatus.SUBMITTED
        and encounter.filed_by_id != actor.user_id
        and bool(decide(actor, Action.CHANGE, review_target(encounter.organization_id), ADMIN))
    )


def can_amend(actor: Actor, encounter: Encounter) -> bool:
    return encounter.status == EncounterStatus.ACCEPTED and bool(
        decide(actor, Action.CHANGE, review_target(encounter.organization_id), ADMIN)
    )


def reviewer_organization_ids(actor: Actor) -> frozenset[int]:
    return allowed_organization_ids(
        actor, Action.CHANGE, ADMIN, Classification.AGENCY, write_roles=REVIEWERS
    )


def filing_organization(actor: Actor, call: Call) -> bool:
    """Whether the actor may start a report on this call."""
    return bool(decide(actor, Action.CREATE, encounter_target(call.organization), ACTIVE_CALL))


# --- One report ----------------------------------------------------------------------------


def _detail_queryset() -> QuerySet[Encounter]:
    return Encounter.objects.select_related(
        "organization", "call", "disposition", "filed_by", "accepted_by"
    ).prefetch_related(
        "responders",
        "other_dispositions",
        Prefetch("reviews", queryset=EncounterReview.objects.select_related("reviewer")),
        Prefetch("amendments", queryset=EncounterAmendment.objects.select_related("amended_by")),
    )


def encounter_detail(actor: Actor, pk: int) -> Encounter:
    """One report with its responders, reviews and amendments; 404 when missing or not
    allowed. The restricted fields and the people are read separately (both audited)."""
    return get_or_404(actor, _detail_queryset(), Action.VIEW, ACTIVE_CALL, pk=pk)


def encounter_fields(
    actor: Actor, encounter: Encounter, *, shown: Iterable[str] | None = None
) -> restricted.FieldsRead:
    """The report's restricted fields as the actor may read them (a "Restricted" marker for
    the others); the ones ``shown`` (by default each that holds a value) are one audited
    read."""
    return restricted.read(
        actor,
        encounter,
        ACTIVE_CALL,
        audit_action=ResponseAudit.ENCOUNTER_NARRATIVE_READ,
        shown=shown,
    )


@dataclass(frozen=True)
class ReportRead:
    """A report's restricted parts, as one actor may read them: its own fields, reviews'
    comments and amendments' reasons (each audited when shown)."""

    fields: restricted.FieldsRead
    reviews: list[tuple[EncounterReview, restricted.FieldsRead]]
    amendments: list[tuple[EncounterAmendment, restricted.FieldsRead]]

    @property
    def returned_comment(self) -> str | restricted.Withheld:
        """The comment of the latest return, for the alert above a returned report."""
        for review, own in reversed(self.reviews):
            if review.decision == ReviewDecision.RETURNED:
                value: str | restricted.Withheld = own["comment"]
                return value
        return ""


def _related_fields(
    actor: Actor, obj: EncounterReview | EncounterAmendment
) -> restricted.FieldsRead:
    return restricted.read(
        actor, obj, ACTIVE_CALL, audit_action=ResponseAudit.ENCOUNTER_NARRATIVE_READ
    )


def report_read(actor: Actor, encounter: Encounter, *, history: bool) -> ReportRead:
    """Everything restricted the report page shows. With ``history`` (the report as filed),
    every review and amendment; an amendment shows the old and new value of each field it
    changed, so those fields count as shown too. Without (the author's form), the report's
    fields and the comment it was last returned with."""
    reviews = list(encounter.reviews.all())
    amendments = list(encounter.amendments.all()) if history else []
    if not history:
        returned = [r for r in reviews if r.decision == ReviewDecision.RETURNED]
        reviews = returned[-1:] if encounter.status == EncounterStatus.RETURNED else []
    declared = restricted.declared(Encounter)
    shown = {name for name in declared if restricted.holds_value(encounter, name)}
    shown |= {name for item in amendments for name in item.changes if name in declared}
    return ReportRead(
        fields=encounter_fields(actor, encounter, shown=sorted(shown)),
        reviews=[(review, _related_fields(actor, review)) for review in reviews],
        amendments=[(item, _related_fields(actor, item)) for item in amendments],
    )


@dataclass(frozen=True)
class Involved:
    person: Person
    role: str
    link_id: int
    #: What the report recorded about them (race and ethnicity, housing, presenting
    #: concern), as the actor may read it; each shown value is an audited read.
    details: restricted.FieldsRead | None = None

    def about(self) -> list[tuple[str, object]]:
        """The recorded details as label and text (or the "Restricted" marker)."""
        if self.details is None:
            return []
        return person_details_rows(self.details)


def person_details_rows(fields: restricted.FieldsRead) -> list[tuple[str, object]]:
    link = fields.obj
    rows: list[tuple[str, object]] = []
    for name in restricted.declared(link):
        field = link._meta.get_field(name)
        label = str(getattr(field, "verbose_name", name))
        if not fields.may_read(name):
            rows.append((label[:1].upper() + label[1:], restricted.Withheld(name)))
            continue
        value = getattr(link, name)
        if value in ("", [], None):
            continue
        choices = dict(_DETAIL_CHOICES[name])
        text = (
            ", ".join(str(choices.get(v, v)) for v in value)
            if isinstance(value, list)
            else str(choices.get(value, value))
        )
        rows.append((label[:1].upper() + label[1:], text))
    return rows


def involved_people(actor: Actor, encounter: Encounter) -> tuple[list[Involved], int]:
    """The people involved that the actor may read, with their role (each an audited read),
    and how many are withheld (the page says so, in place of them)."""
    links = list(
        EncounterPerson.objects.filter(encounter=encounter)
        .select_related("person")
        .prefetch_related("person__aliases")
        .order_by("pk")
    )
    shown = {
        p.pk
        for p in people_selectors.read_people(
            actor, [link.person for link in links], purpose=ACTIVE_CALL
        )
    }
    found = [
        Involved(
            link.person,
            link.role,
            link.pk,
            restricted.read(
                actor, link, ACTIVE_CALL, audit_action=ResponseAudit.ENCOUNTER_PERSON_READ
            ),
        )
        for link in links
        if link.person_id in shown
    ]
    return found, len(links) - len(found)


def people_on_call(actor: Actor, encounter: Encounter) -> list[Person]:
    """People already recorded on the report's call and not yet on the report, to pick from.
    Each one shown is an audited read."""
    on_report = EncounterPerson.objects.filter(encounter=encounter).values("person_id")
    candidates = (
        Person.objects.filter(calls__call_id=encounter.call_id)
        .exclude(pk__in=on_report)
        .order_by("calls__pk")
    )
    return people_selectors.read_people(actor, candidates, purpose=ACTIVE_CALL)


def responder_choices(encounter: Encounter) -> QuerySet[User]:
    """The agency's members who respond to calls, to add as responders."""
    already = EncounterResponder.objects.filter(encounter=encounter, user_id__isnull=False).values(
        "user_id"
    )
    members = Membership.objects.filter(
        organization_id=encounter.organization_id, is_active=True, role__in=RESPONDER_ROLES
    ).values("user_id")
    return (
        User.objects.filter(pk__in=members, is_active=True)
        .exclude(pk__in=already)
        .order_by("last_name", "first_name", "username")
    )


def call_for_report(actor: Actor, call_pk: int) -> Call:
    """The call a new report belongs to: one the actor may read and report on."""
    call = get_or_404(
        actor, Call.objects.select_related("organization"), Action.VIEW, ACTIVE_CALL, pk=call_pk
    )
    if not filing_organization(actor, call):
        raise Http404("Not found")
    return call


def open_report(actor: Actor, call: Call) -> Encounter | None:
    """The actor's own report on this call that is not yet accepted, if there is one."""
    if actor.user_id is None:
        return None
    return (
        Encounter.objects.filter(call=call, filed_by_id=actor.user_id)
        .exclude(status=EncounterStatus.ACCEPTED)
        .order_by("-created_at")
        .first()
    )


def own_report_states(calls: QuerySet[Call], user_id: int) -> QuerySet[Call]:
    """``calls`` with the state of the officer's latest report on each (``report_state``,
    None when they filed none) and its place in their list (``report_rank``), in the same
    query: registered with ``dispatch.report_states`` for the officer's list of calls. The
    calls are already narrowed to those the officer may read; a report's state holds no
    personal data."""
    latest = Encounter.objects.filter(call_id=OuterRef("pk"), filed_by_id=user_id).order_by(
        "-created_at", "-pk"
    )
    return calls.annotate(report_state=Subquery(latest.values("status")[:1])).annotate(
        report_rank=Case(
            When(report_state=EncounterStatus.RETURNED, then=Value(report_states.RETURNED)),
            When(
                Q(report_state__isnull=True) | Q(report_state=EncounterStatus.DRAFT),
                then=Value(report_states.TO_FILE),
            ),
            default=Value(report_states.DONE),
            output_field=IntegerField(),
        )
    )


def report_state_label(state: str | None) -> str:
    """A report's state in words; None is a call with no report yet."""
    return str(EncounterStatus(state).label) if state else gettext("Not started")


# --- Lists ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EncounterFilters:
    status: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    force_above_presence: bool = False
    cit_present: bool = False


def _cit_present() -> Exists:
    return Exists(EncounterResponder.objects.filter(encounter=OuterRef("pk"), cit_certified=True))


def _list_queryset(actor: Actor) -> QuerySet[Encounter]:
    return (
        restrict(actor, Encounter.objects.all(), Action.VIEW, ACTIVE_CALL)
        .select_related("call", "disposition", "filed_by")
        .annotate(has_cit=_cit_present())
    )


def _filtered(
    queryset: QuerySet[Encounter], filters: EncounterFilters, time_zone: str
) -> QuerySet[Encounter]:
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    # Local dates as a range of instants, so that the index on the call's time serves them.
    zone = dates.zone(time_zone)
    if filters.since:
        begin = dt.datetime.combine(filters.since, dt.time.min, tzinfo=zone)
        queryset = queryset.filter(call__received_at__gte=begin)
    if filters.until:
        finish = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        queryset = queryset.filter(call__received_at__lt=finish)
    if filters.force_above_presence:
        above = FORCE_ORDER[FORCE_ORDER.index(Force.PRESENCE) + 1 :]
        queryset = queryset.filter(highest_force__in=above)
    if filters.cit_present:
        queryset = queryset.filter(_cit_present())
    return queryset


def sees_agency_list(actor: Actor) -> bool:
    return actor.role in AGENCY_LIST_ROLES


#: The reports list's order (newest call first) and the review queue's (oldest submission
#: first); keyset pagination reads pages by these columns.
ENCOUNTER_ORDER = ("-call__received_at", "-pk")
ENCOUNTER_ORDER_KINDS = (dt.datetime, int)
REVIEW_ORDER = ("submitted_at", "pk")
REVIEW_ORDER_KINDS = (dt.datetime, int)


def encounter_list(
    actor: Actor, filters: EncounterFilters, *, mine: bool, time_zone: str = "UTC"
) -> QuerySet[Encounter]:
    """The actor's own reports (``mine``) or every report they may read, filtered, newest
    call first. Rows carry ``has_cit`` (a CIT-certified responder was there)."""
    queryset = _list_queryset(actor)
    if mine:
        queryset = queryset.filter(filed_by_id=actor.user_id)
    else:
        acting = actor.organization_id if sees_agency_list(actor) else None
        queryset = queryset.filter(organization_id=acting) if acting else queryset.none()
    return _filtered(queryset, filters, time_zone).order_by(*ENCOUNTER_ORDER)


def review_queue(actor: Actor) -> QuerySet[Encounter]:
    """Reports waiting for review in the agencies the actor supervises, oldest first; 404 for
    everyone else."""
    organizations = reviewer_organization_ids(actor)
    if not organizations:
        raise Http404("Not found")
    return (
        _list_queryset(actor)
        .filter(organization_id__in=organizations, status=EncounterStatus.SUBMITTED)
        .order_by(*REVIEW_ORDER)
    )


def encounters_for_person(actor: Actor, person: Person) -> QuerySet[Encounter]:
    """The reports a person appears in that the actor may read."""
    return (
        _list_queryset(actor).filter(Q(people__person=person)).order_by("-call__received_at", "-pk")
    )


# --- Dispositions --------------------------------------------------------------------------


def disposition_organization(actor: Actor) -> Organization:
    """The acting agency, when the actor keeps its disposition list; 404 for everyone else."""
    organization = acting_organization(actor) if actor.role in DISPOSITION_WRITERS else None
    if organization is None or not decide(
        actor, Action.CHANGE, disposition_target(organization), ADMIN
    ):
        raise Http404("Not found")
    return organization


def dispositions(actor: Actor, organization: Organization) -> list[Disposition]:
    """The agency's list, in order, each with whether a report uses it."""
    used = Encounter.objects.filter(
        Q(disposition=OuterRef("pk")) | Q(other_dispositions=OuterRef("pk"))
    )
    return list(
        restrict(actor, Disposition.objects.filter(organization=organization), Action.VIEW, ADMIN)
        .annotate(in_use=Exists(used))
        .order_by("position", "label", "pk")
    )


def disposition_for_change(actor: Actor, pk: int) -> Disposition:
    return get_or_404(
        actor, Disposition.objects.select_related("organization"), Action.CHANGE, ADMIN, pk=pk
    )


def active_dispositions(organization_id: int) -> QuerySet[Disposition]:
    """The choices on a report: the agency's dispositions in use, in order."""
    return Disposition.objects.filter(organization_id=organization_id, is_active=True).order_by(
        "position", "label", "pk"
    )


def disposition_choices(encounter: Encounter) -> QuerySet[Disposition]:
    """The choices on one report: those in use, and the one it already has if retired."""
    return Disposition.objects.filter(
        Q(organization_id=encounter.organization_id, is_active=True)
        | Q(pk=encounter.disposition_id or 0)
    ).order_by("position", "label", "pk")


# --- Outcomes ------------------------------------------------------------------------------


def outcome_target(organization_id: int) -> Target:
    """An agency's outcome counts: de-identified figures, read for evaluation."""
    return Target(
        organization_ids=frozenset({organization_id}),
        access_classification=Classification.AGGREGATE,
        access_read_roles=OUTCOME_READERS,
    )


def sees_outcomes(actor: Actor, organization_id: int | None) -> bool:
    return organization_id is not None and bool(
        decide(actor, Action.VIEW, outcome_target(organization_id), Purpose.EVALUATION)
    )


@dataclass(frozen=True)
class Outcomes:
    """An agency's outcomes for a period, as counts (no rows): from its accepted reports of
    calls received in the period (days in the agency's zone, both ends included).

    ``diverted`` uses ``models.DIVERTED_FROM_ARREST`` and ``ed_visits_avoided``
    ``models.ED_VISIT_AVOIDED`` (see their definitions). Officer-hours add up, over every
    officer on each report, the time from their arrival to their clear; an officer whose own
    times were not recorded counts from the report's arrival on scene to back in service.
    ``timed_calls`` are the reports with at least one officer's time, and the hours per call
    are over those."""

    since: dt.date
    until: dt.date
    encounters: int
    arrest_eligible: int
    arrests: int
    citations: int
    diverted: int
    ed_visits_avoided: int
    officer_hours: float
    timed_calls: int

    @property
    def officer_hours_per_call(self) -> float | None:
        return self.officer_hours / self.timed_calls if self.timed_calls else None


def outcomes(actor: Actor, organization: Organization, since: dt.date, until: dt.date) -> Outcomes:
    """The agency's outcome counts for the period; 404 for those the policy does not let
    read them. Two queries, whatever the number of reports."""
    if not sees_outcomes(actor, organization.pk):
        raise Http404("Not found")
    zone = dates.zone(organization.time_zone)
    start = dt.datetime.combine(since, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    reports = Encounter.objects.filter(
        organization=organization,
        status=EncounterStatus.ACCEPTED,
        call__received_at__gte=start,
        call__received_at__lt=end,
    )
    # Named apart from the fields the filters read.
    counts = reports.aggregate(
        n_encounters=Count("pk"),
        n_arrest_eligible=Count("pk", filter=Q(arrest_eligible=True)),
        n_arrests=Count("pk", filter=Q(law_outcome=LawOutcome.ARRESTED)),
        n_citations=Count("pk", filter=Q(law_outcome=LawOutcome.CITED)),
        n_diverted=Count("pk", filter=DIVERTED_FROM_ARREST),
        n_ed_visits_avoided=Count("pk", filter=ED_VISIT_AVOIDED),
    )
    time = (
        EncounterResponder.objects.filter(encounter__in=reports, role=ResponderRole.OFFICER)
        .annotate(
            start=Coalesce("arrived_at", "encounter__arrived_at"),
            end=Coalesce("cleared_at", "encounter__back_in_service_at"),
        )
        .filter(start__isnull=False, end__isnull=False, end__gte=F("start"))
        .aggregate(
            total=Sum(ExpressionWrapper(F("end") - F("start"), output_field=DurationField())),
            calls=Count("encounter", distinct=True),
        )
    )
    total: dt.timedelta | None = time["total"]
    return Outcomes(
        since=since,
        until=until,
        officer_hours=total.total_seconds() / 3600 if total else 0.0,
        timed_calls=time["calls"],
        **{name.removeprefix("n_"): value for name, value in counts.items()},
    )


def outcomes_this_year(actor: Actor) -> Outcomes | None:
    """The acting agency's outcomes from January 1 to today (its zone), for those who read
    them; ``None`` for everyone else."""
    organization = acting_organization(actor)
    if organization is None or not sees_outcomes(actor, organization.pk):
        return None
    today = dates.today_in(organization.time_zone)
    return outcomes(actor, organization, dt.date(today.year, 1, 1), today)

"""Every read of the roster and its training records, narrowed to what the actor may see.

Coordinators, supervisors and administrators read their agency's roster (the models'
``access_read_roles``); an officer or call-taker reads only the roster entry linked to their
own user. Coverage is counts only and takes two queries for a whole roster.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from pmhc.platform import audit
from pmhc.platform.access import (
    Action,
    Actor,
    Target,
    decide,
    get_or_404,
    restrict,
)
from pmhc.platform.models import Classification, Organization, Purpose, Role, User
from pmhc.platform.selectors import acting_organization
from pmhc.training import roster_csv
from pmhc.training.audit_codes import TrainingAudit
from pmhc.training.coverage import Coverage, GroupCoverage
from pmhc.training.models import (
    STANDARD_BY_CODE,
    SWORN_ROLES,
    TRAINING_READERS,
    TRAINING_WRITERS,
    Certification,
    CertificationKind,
    Completion,
    Course,
    Enrollment,
    ImportStatus,
    RosterImport,
    Session,
    Trainee,
    TraineeRole,
    current_on,
)

ADMIN = Purpose.ADMINISTRATION
#: How far ahead "expiring soon" looks.
EXPIRY_WINDOW = dt.timedelta(days=90)


def training_target(organization: Organization) -> Target:
    """An organization's training records as the policy sees them, for checks that concern
    the roster as a whole (coverage, the catalogue, a new entry)."""
    return Target(
        organization_ids=frozenset({organization.pk}),
        access_classification=Classification.AGENCY,
        access_read_roles=TRAINING_READERS,
        access_write_roles=TRAINING_WRITERS,
    )


def can_read(actor: Actor, organization: Organization) -> bool:
    return bool(decide(actor, Action.VIEW, training_target(organization), ADMIN))


def can_write(actor: Actor, organization: Organization) -> bool:
    return bool(decide(actor, Action.CHANGE, training_target(organization), ADMIN))


def training_organization(actor: Actor) -> Organization | None:
    """The acting organization, when the actor runs its roster."""
    if actor.role not in TRAINING_READERS:
        return None
    organization = acting_organization(actor)
    return organization if organization is not None and can_read(actor, organization) else None


#: Roles that keep a training record of their own (officers and call-takers) and open Train
#: to read it, as well as those who run the roster (``TRAINING_READERS``).
OWN_RECORD_ROLES = frozenset({Role.OFFICER, Role.CALL_TAKER})


def opens_train(actor: Actor) -> bool:
    """Whether Train is for the actor (and so whether the menu offers it)."""
    return actor.has_role(*TRAINING_READERS, *OWN_RECORD_ROLES)


def require_training_organization(actor: Actor) -> Organization:
    """Staff pages: anyone who runs no roster gets the same 404 as a missing page."""
    organization = training_organization(actor)
    if organization is None:
        raise Http404("Not found")
    return organization


# --- Coverage ----------------------------------------------------------------------------


def _group(
    counts: dict[str, list[int]], cells: dict[tuple[str, str], PostCell], *, axis: int
) -> tuple[GroupCoverage, ...]:
    """The shifts (``axis`` 0) or districts (``axis`` 1), each with its gaps read from the
    cells of the table by shift and district, so that the summary and that table never
    disagree."""
    gaps: dict[str, list[str]] = defaultdict(list)
    held: dict[str, int] = defaultdict(int)
    for post, cell in sorted(cells.items()):
        held[post[axis]] += cell.patrol > 0
        if cell.uncovered:
            gaps[post[axis]].append(post[1 - axis])
    return tuple(
        GroupCoverage(
            name=name,
            patrol=patrol,
            cit_certified=certified,
            gaps=tuple(gaps[name]),
            posts=held[name],
        )
        for name, (patrol, certified) in sorted(counts.items())
    )


@dataclass(frozen=True)
class PostCell:
    """One shift in one district: patrol officers posted there and how many hold CIT."""

    shift: str
    district: str
    patrol: int
    cit_certified: int

    @property
    def uncovered(self) -> bool:
        return self.patrol > 0 and self.cit_certified == 0


@dataclass(frozen=True)
class CoverageGrid:
    """Patrol by shift and district together: a shift covered somewhere and a district
    covered at some hour can still leave one shift in one district with nobody."""

    shifts: tuple[str, ...]
    districts: tuple[str, ...]
    cells: dict[tuple[str, str], PostCell]

    def rows(self) -> list[tuple[str, list[PostCell | None]]]:
        return [(s, [self.cells.get((s, d)) for d in self.districts]) for s in self.shifts]

    @property
    def gaps(self) -> list[PostCell]:
        return [cell for cell in self.cells.values() if cell.uncovered]


def _tally(organization: Organization, on: dt.date) -> tuple[Coverage, CoverageGrid]:
    """Two queries: the active roster, and the certifications current on ``on``. A
    certification is current from its issue date up to the day before it expires (none: it
    does not)."""
    roster = list(
        Trainee.objects.filter(organization=organization, is_active=True).values_list(
            "pk", "role", "shift", "district", "cit_selection"
        )
    )
    held: dict[int, dict[str, dt.date | None]] = defaultdict(dict)
    current = (
        Certification.objects.filter(trainee__organization=organization, trainee__is_active=True)
        .current_on(on)
        .values_list("trainee_id", "kind", "expires_on")
    )
    for trainee_id, kind, expires_on in current:
        # Of several current certifications of one kind, the one that lasts longest counts.
        latest = held[trainee_id]
        known = latest.get(kind, dt.date.min)
        if kind not in latest or (known is not None and (expires_on is None or expires_on > known)):
            latest[kind] = expires_on

    sworn = patrol = cit_sworn = cit_patrol = mhfa_sworn = 0
    dispatchers = dispatchers_trained = volunteers = assigned = expiring = 0
    by_shift: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_district: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_post: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    horizon = on + EXPIRY_WINDOW
    for pk, role, shift, district, selection in roster:
        certs = held.get(pk, {})
        has_cit = CertificationKind.CIT in certs
        expiring += sum(1 for ends in certs.values() if ends is not None and ends <= horizon)
        if role in SWORN_ROLES:
            sworn += 1
            if has_cit:
                cit_sworn += 1
                volunteers += selection == "volunteer"
                assigned += selection == "assigned"
            elif CertificationKind.MHFA in certs:
                mhfa_sworn += 1
        if role == TraineeRole.PATROL:
            patrol += 1
            cit_patrol += has_cit
            for counts in (by_shift[shift], by_district[district], by_post[shift, district]):
                counts[0] += 1
                counts[1] += has_cit
        elif role == TraineeRole.DISPATCHER:
            dispatchers += 1
            dispatchers_trained += CertificationKind.DISPATCHER in certs
    # One shift in one district: the table by shift and district shows these, and the
    # shifts' and districts' own status is read from them.
    cells = {
        post: PostCell(post[0], post[1], counts[0], counts[1]) for post, counts in by_post.items()
    }
    figures = Coverage(
        organization_id=organization.pk,
        on=on,
        sworn=sworn,
        patrol=patrol,
        cit_sworn=cit_sworn,
        cit_patrol=cit_patrol,
        mhfa_sworn=mhfa_sworn,
        dispatchers=dispatchers,
        dispatchers_trained=dispatchers_trained,
        volunteers=volunteers,
        assigned=assigned,
        expiring_soon=expiring,
        by_shift=_group(by_shift, cells, axis=0),
        by_district=_group(by_district, cells, axis=1),
    )
    grid = CoverageGrid(
        shifts=tuple(sorted(by_shift)), districts=tuple(sorted(by_district)), cells=cells
    )
    return figures, grid


def coverage_for_organization(organization: Organization, on: dt.date | None = None) -> Coverage:
    """The figures for ``organization`` on ``on`` (its local today by default), with no access
    check: for callers that have made their own (Plan's pages, after their policy check).
    Two queries, whatever the roster's size."""
    return _tally(organization, on or organization.today())[0]


def coverage(actor: Actor, organization: Organization, *, on: dt.date | None = None) -> Coverage:
    """The coverage figures, for those who read the organization's roster; 404 otherwise."""
    if not can_read(actor, organization):
        raise Http404("Not found")
    return coverage_for_organization(organization, on)


def coverage_with_grid(
    actor: Actor, organization: Organization, *, on: dt.date | None = None
) -> tuple[Coverage, CoverageGrid]:
    """The coverage page's figures and its shift-by-district table; 404 for non-readers."""
    if not can_read(actor, organization):
        raise Http404("Not found")
    return _tally(organization, on or organization.today())


# --- Roster ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterFilters:
    """What the roster list is narrowed to; an empty string means "any"."""

    shift: str = ""
    district: str = ""
    #: "" (any), "cit" (CIT-certified), "not_cit", "expiring" (a certification expires
    #: within 90 days), "inactive".
    status: str = ""
    q: str = ""


def roster(
    actor: Actor, organization: Organization, filters: RosterFilters, *, on: dt.date | None = None
) -> QuerySet[Trainee]:
    """The roster, filtered, with each entry's current CIT certification flag; one query."""
    on = on or organization.today()
    current = current_on(on, through="certifications__")
    # A certification expiring soon counts only if no other current one of the same kind
    # lasts longer (a renewal), as in the coverage figures (``_tally``).
    renewed = Certification.objects.filter(
        trainee_id=OuterRef("trainee_id"), kind=OuterRef("kind"), issued_on__lte=on
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on")))
    expiring_soon = (
        Certification.objects.filter(trainee_id=OuterRef("pk"))
        .current_on(on)
        .filter(expires_on__lte=on + EXPIRY_WINDOW)
        .filter(~Exists(renewed))
    )
    queryset = restrict(
        actor, Trainee.objects.filter(organization=organization), Action.VIEW, ADMIN
    ).annotate(
        cit_current=Count(
            "certifications", filter=current & Q(certifications__kind=CertificationKind.CIT)
        ),
        expiring=Exists(expiring_soon),
    )
    queryset = queryset.filter(is_active=filters.status != "inactive")
    if filters.shift:
        queryset = queryset.filter(shift=filters.shift)
    if filters.district:
        queryset = queryset.filter(district=filters.district)
    if filters.status == "cit":
        queryset = queryset.filter(cit_current__gt=0)
    elif filters.status == "not_cit":
        queryset = queryset.filter(cit_current=0)
    elif filters.status == "expiring":
        queryset = queryset.filter(expiring=True)
    if filters.q:
        queryset = queryset.filter(
            Q(last_name__icontains=filters.q)
            | Q(first_name__icontains=filters.q)
            | Q(badge_number__iexact=filters.q)
        )
    return queryset.order_by("last_name", "first_name", "badge_number")


def roster_choices(organization: Organization) -> tuple[list[str], list[str]]:
    """The shifts and districts on the roster, for the filters (agency staffing facts)."""
    rows = Trainee.objects.filter(organization=organization).values_list("shift", "district")
    shifts = sorted({shift for shift, _ in rows if shift})
    districts = sorted({district for _, district in rows if district})
    return shifts, districts


@transaction.atomic
def trainee_record(actor: Actor, pk: int) -> Trainee:
    """One roster entry for the staff who read the roster; the read is recorded."""
    trainee = get_or_404(
        actor, Trainee.objects.select_related("organization", "user"), Action.VIEW, ADMIN, pk=pk
    )
    audit.record_read(
        TrainingAudit.TRAINING_RECORD_READ,
        actor=actor,
        organization_id=trainee.organization_id,
        obj=trainee,
        purpose=ADMIN,
    )
    return trainee


def trainee_for_change(actor: Actor, pk: int) -> Trainee:
    return get_or_404(
        actor, Trainee.objects.select_related("organization", "user"), Action.CHANGE, ADMIN, pk=pk
    )


def own_trainee(actor: Actor) -> Trainee | None:
    """The signed-in person's own roster entry, through the link from the entry to their
    user. The policy has no notion of "one's own record", so this is the one read here
    that it does not narrow: it can only ever return the actor's own entry."""
    if actor.user_id is None or actor.organization_id is None:
        return None
    return (
        Trainee.objects.filter(
            user_id=actor.user_id, organization_id=actor.organization_id, is_active=True
        )
        .select_related("organization")
        .first()
    )


@dataclass(frozen=True)
class CertificationStatus:
    kind: str
    label: str
    issued_on: dt.date
    expires_on: dt.date | None
    refresher_due_on: dt.date | None
    current: bool
    expiring: bool


def record_details(
    trainee: Trainee, *, on: dt.date | None = None
) -> tuple[list[Completion], list[CertificationStatus], list[Enrollment]]:
    """A trainee's completions, latest certification of each kind and enrollments. The
    caller has already fetched ``trainee`` through ``trainee_record`` or ``own_trainee``."""
    on = on or trainee.organization.today()
    completions = list(trainee.completions.select_related("course", "session"))
    latest: dict[str, CertificationStatus] = {}
    for cert in trainee.certifications.order_by("issued_on", "pk"):
        current = cert.is_current_on(on)
        previous = latest.get(cert.kind)
        if previous is not None and previous.current and not current:
            continue
        latest[cert.kind] = CertificationStatus(
            kind=cert.kind,
            label=cert.get_kind_display(),
            issued_on=cert.issued_on,
            expires_on=cert.expires_on,
            refresher_due_on=cert.refresher_due_on,
            current=current,
            expiring=current
            and cert.expires_on is not None
            and cert.expires_on <= on + EXPIRY_WINDOW,
        )
    enrollments = list(trainee.enrollments.select_related("session__course"))
    return completions, list(latest.values()), enrollments


# --- Catalogue, sessions, imports --------------------------------------------------------


def courses(actor: Actor, organization: Organization) -> QuerySet[Course]:
    return restrict(
        actor, Course.objects.filter(organization=organization), Action.VIEW, ADMIN
    ).order_by("-is_active", "name")


def course_for_change(actor: Actor, pk: int) -> Course:
    return get_or_404(
        actor, Course.objects.select_related("organization"), Action.CHANGE, ADMIN, pk=pk
    )


def sessions(actor: Actor, organization: Organization) -> QuerySet[Session]:
    return (
        restrict(
            actor, Session.objects.filter(course__organization=organization), Action.VIEW, ADMIN
        )
        .select_related("course")
        .annotate(enrolled=Count("enrollments", filter=~Q(enrollments__status="withdrawn")))
        .order_by("-starts_on", "pk")
    )


def session_detail(actor: Actor, pk: int, action: Action = Action.VIEW) -> Session:
    return get_or_404(
        actor, Session.objects.select_related("course__organization"), action, ADMIN, pk=pk
    )


def session_enrollments(session: Session) -> list[Enrollment]:
    """The enrollments of a session the caller already fetched through ``session_detail``."""
    return list(session.enrollments.select_related("trainee").order_by("trainee__last_name"))


def enrollment_for_change(actor: Actor, pk: int) -> Enrollment:
    return get_or_404(
        actor,
        Enrollment.objects.select_related("session__course__organization", "trainee"),
        Action.CHANGE,
        ADMIN,
        pk=pk,
    )


def trainee_by_badge(actor: Actor, organization: Organization, badge_number: str) -> Trainee:
    return get_or_404(
        actor,
        Trainee.objects.filter(organization=organization),
        Action.CHANGE,
        ADMIN,
        badge_number=badge_number.strip(),
    )


def roster_import(actor: Actor, pk: int) -> RosterImport:
    return get_or_404(
        actor, RosterImport.objects.select_related("organization"), Action.CHANGE, ADMIN, pk=pk
    )


def linkable_users(actor: Actor, organization: Organization) -> QuerySet[User]:
    """Members of the organization who may be linked to a roster entry."""
    if not can_write(actor, organization):
        return User.objects.none()
    return User.objects.filter(
        memberships__organization=organization, memberships__is_active=True
    ).order_by("last_name", "first_name", "username")


def known_codes(organization: Organization) -> set[str]:
    """Course columns a roster file may have: the catalogue's codes and the standard ones."""
    codes = set(Course.objects.filter(organization=organization).values_list("code", flat=True))
    return codes | set(STANDARD_BY_CODE)


#: Accepted rows the preview lists (the counts cover them all; rejected rows are all listed).
PREVIEW_ROWS = 500


@dataclass(frozen=True)
class ImportPreview:
    roster_import: RosterImport
    parsed: roster_csv.ParsedRoster
    plans: list[roster_csv.RowPlan]
    #: Standard courses the file names that the catalogue will gain when it is applied.
    new_courses: list[str]

    def count(self, outcome: str) -> int:
        return sum(1 for item in self.plans if item.outcome == outcome)

    @property
    def new(self) -> int:
        return self.count(roster_csv.NEW)

    @property
    def changed(self) -> int:
        return self.count(roster_csv.CHANGED)

    @property
    def unchanged(self) -> int:
        return self.count(roster_csv.UNCHANGED)

    @property
    def completions(self) -> int:
        return sum(len(item.new_completions) for item in self.plans)

    @property
    def shown_plans(self) -> list[roster_csv.RowPlan]:
        return self.plans[:PREVIEW_ROWS]

    @property
    def running(self) -> bool:
        """Queued or being applied by the worker: the page follows it."""
        return self.roster_import.status in {ImportStatus.QUEUED, ImportStatus.RUNNING}

    @property
    def stalled(self) -> bool:
        return is_stale_import(self.roster_import)

    @property
    def can_apply(self) -> bool:
        status = self.roster_import.status
        waiting = status in {ImportStatus.PREVIEWED, ImportStatus.FAILED} or self.stalled
        return not self.parsed.errors and waiting


#: A run with no end after this long is taken to have died with its worker (the apply is one
#: transaction, so it left nothing behind) and may be queued again.
STALE_RUN = dt.timedelta(minutes=15)
#: A file still waiting this long was most likely never handed to a worker (it was down, or
#: the queue refused the task); it may be queued again, and a second task for it does nothing.
STALE_QUEUE = dt.timedelta(minutes=30)


def is_stale_import(roster_import: RosterImport) -> bool:
    """Whether a run that started has shown no end for ``STALE_RUN``, or a queued file has
    waited for ``STALE_QUEUE``."""
    now = timezone.now()
    started, queued = roster_import.started_at, roster_import.queued_at
    if roster_import.status == ImportStatus.RUNNING:
        return started is not None and now - started > STALE_RUN
    if roster_import.status == ImportStatus.QUEUED:
        return queued is not None and now - queued > STALE_QUEUE
    return False


def import_preview(actor: Actor, pk: int) -> ImportPreview:
    """What applying an uploaded file would do, row by row, while it can still be applied;
    once queued, only its state; once applied, its totals and rejected rows as they were
    when it was applied. Changes nothing."""
    found = roster_import(actor, pk)
    organization = found.organization
    if found.status == ImportStatus.APPLIED:
        parsed = roster_csv.ParsedRoster(
            rejections=[
                roster_csv.Rejection(line, badge, reason)
                for line, badge, reason in found.summary.get("rejections", [])
            ]
        )
        return ImportPreview(roster_import=found, parsed=parsed, plans=[], new_courses=[])
    if found.status in {ImportStatus.QUEUED, ImportStatus.RUNNING} and not is_stale_import(found):
        return ImportPreview(
            roster_import=found, parsed=roster_csv.ParsedRoster(), plans=[], new_courses=[]
        )
    codes = known_codes(organization)
    parsed = roster_csv.parse(found.content, codes, organization.today())
    catalogue = set(Course.objects.filter(organization=organization).values_list("code", flat=True))
    return ImportPreview(
        roster_import=found,
        parsed=parsed,
        plans=roster_csv.plan(organization.pk, parsed),
        new_courses=[code for code in parsed.course_codes if code not in catalogue],
    )


def import_state(actor: Actor, pk: int) -> RosterImport:
    """An import's state alone, for its status region that looks again while it runs."""
    return roster_import(actor, pk)


# --- For dispatch: who holds a current CIT certification -----------------------------------


def _current_cit(on: dt.date) -> QuerySet[Certification]:
    """CIT certifications current on ``on``: issued by then and not yet expired."""
    return Certification.objects.filter(
        trainee_id=OuterRef("pk"), kind=CertificationKind.CIT
    ).current_on(on)


def holds_cit(trainee: Trainee, on: dt.date) -> bool:
    """Whether a roster entry holds a CIT certification current on ``on``. No access check,
    like ``cit_officers_on_shift``."""
    return (
        Certification.objects.filter(trainee=trainee, kind=CertificationKind.CIT)
        .current_on(on)
        .exists()
    )


def cit_officers_on_shift(organization: Organization, shift: str, on: dt.date) -> list[Trainee]:
    """The active patrol officers on ``shift`` who hold a CIT certification current on
    ``on``, by district and name. No access check: for callers that made their own (the
    call-taker's screen, after its policy check). One query."""
    if not shift:
        return []
    return list(
        Trainee.objects.filter(
            organization=organization, is_active=True, role=TraineeRole.PATROL, shift=shift
        )
        .filter(Exists(_current_cit(on)))
        .order_by("district", "last_name", "first_name", "badge_number")
    )


def cit_certified_user_ids(
    organization: Organization, user_ids: Iterable[int], on: dt.date
) -> set[int]:
    """Which of these users are linked to an active roster entry of ``organization`` that
    holds a CIT certification current on ``on``. No access check, like
    ``cit_officers_on_shift``. One query."""
    wanted = sorted({int(pk) for pk in user_ids})
    if not wanted:
        return set()
    return set(
        Trainee.objects.filter(organization=organization, is_active=True, user_id__in=wanted)
        .filter(Exists(_current_cit(on)))
        .values_list("user_id", flat=True)
    )

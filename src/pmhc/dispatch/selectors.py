"""Every read of calls, their triage, the routing rules and the duty board, narrowed to what
the actor may see.

Calls are read for an active call by the roles that work them (``CALL_READERS``), in the
agency and at a partner under an agreement in force. The fields ``Call.restricted_fields``
names (the narrative, the protocol answers) are read through ``platform.restricted``: SAFETY
data, a "Restricted" marker for those who may not read it, and each read audited; the people
on a call are read through ``people.selectors``, which audits each person shown. Who is on
duty (``on_duty``) and the compiled rules are actor-free: the call-taker's screen and the API
call them after their own policy check.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from threading import Lock
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from pmhc.dispatch import report_states, triage
from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.dispatch.models import (
    CALL_READERS,
    CALL_WRITERS,
    DECISION_DIFFERS,
    DUTY_WRITERS,
    RULE_WRITERS,
    AssignmentStatus,
    Call,
    CallAssignment,
    CallPerson,
    DispatchRevision,
    DutyShift,
    Routing,
    Team,
    TeamStatus,
    TriageRuleSet,
)
from pmhc.people.models import Person
from pmhc.people.selectors import read_people
from pmhc.platform import dates, restricted
from pmhc.platform.access import (
    Action,
    Actor,
    Target,
    decide,
    get_or_404,
    organization_scope,
    restrict,
)
from pmhc.platform.models import Classification, Organization, Purpose, Role
from pmhc.platform.selectors import acting_organization
from pmhc.training.models import Trainee
from pmhc.training.selectors import cit_officers_on_shift

ACTIVE_CALL = Purpose.ACTIVE_CALL
ADMIN = Purpose.ADMINISTRATION


def calls_target(organization: Organization) -> Target:
    """An agency's calls as the policy sees them, for checks before a call exists."""
    return Target(
        organization_ids=frozenset({organization.pk}),
        access_classification=Classification.AGENCY,
        access_read_roles=CALL_READERS,
        access_write_roles=CALL_WRITERS,
        scope="calls",
    )


def rules_target(organization: Organization) -> Target:
    return Target(
        organization_ids=frozenset({organization.pk}),
        access_classification=Classification.AGENCY,
        access_read_roles=TriageRuleSet.access_read_roles,
        access_write_roles=RULE_WRITERS,
        scope="calls",
    )


def duty_target(organization: Organization) -> Target:
    return Target(
        organization_ids=frozenset({organization.pk}),
        access_classification=Classification.AGENCY,
        access_read_roles=DutyShift.access_read_roles,
        access_write_roles=DUTY_WRITERS,
    )


#: The roles with work on Operate's page; for everyone else it is not there (404).
OPERATE_ROLES = frozenset(
    {
        Role.CALL_TAKER,
        Role.OFFICER,
        Role.SUPERVISOR,
        Role.CLINICIAN,
        Role.CASE_MANAGER,
        Role.COORDINATOR,
    }
)


def opens_operate(actor: Actor) -> bool:
    """Whether Operate's page is for the actor (and so whether the menu offers it)."""
    return actor.has_role(*OPERATE_ROLES)


def can_take_calls(actor: Actor, organization: Organization) -> bool:
    return bool(decide(actor, Action.CREATE, calls_target(organization), ACTIVE_CALL))


def can_edit_rules(actor: Actor, organization: Organization) -> bool:
    return bool(decide(actor, Action.CHANGE, rules_target(organization), ADMIN))


def can_edit_duty(actor: Actor, organization: Organization) -> bool:
    return bool(decide(actor, Action.CHANGE, duty_target(organization), ADMIN))


def can_read_duty(actor: Actor, organization: Organization) -> bool:
    return bool(decide(actor, Action.VIEW, duty_target(organization), ADMIN))


def _organization_where(actor: Actor, allowed: Any) -> Organization | None:
    """The acting organization, when ``allowed`` lets the actor work in it."""
    organization = acting_organization(actor)
    return organization if organization is not None and allowed(actor, organization) else None


def call_organization(actor: Actor) -> Organization | None:
    """The acting agency, when the actor takes its calls."""
    return _organization_where(actor, can_take_calls)


def rules_organization(actor: Actor) -> Organization | None:
    """The agency whose routing rules this actor edits."""
    return _organization_where(actor, can_edit_rules)


def duty_organization(actor: Actor) -> Organization | None:
    """The agency whose duty board this actor reads (the first where they may)."""
    return _organization_where(actor, can_read_duty)


def require(organization: Organization | None) -> Organization:
    """Pages for a role the actor does not hold look missing."""
    if organization is None:
        raise Http404("Not found")
    return organization


# --- Who is on duty -------------------------------------------------------------------------


def local_now(organization: Organization, at: dt.datetime | None = None) -> dt.datetime:
    return (at or timezone.now()).astimezone(organization.zone)


def _within(clock: dt.time, starts: dt.time, ends: dt.time) -> bool:
    """Whether ``clock`` falls in [starts, ends), a span that may run past midnight; equal
    ends mean the whole day."""
    if starts == ends:
        return True
    if starts < ends:
        return starts <= clock < ends
    return clock >= starts or clock < ends


def _started_since(clock: dt.time, starts: dt.time) -> int:
    """Minutes since the span began (0 to 1439), to tell the newest of overlapping shifts."""
    now = clock.hour * 60 + clock.minute
    begin = starts.hour * 60 + starts.minute
    return (now - begin) % (24 * 60)


def current_shift(shifts: list[DutyShift], clock: dt.time) -> DutyShift | None:
    """The shift on at ``clock``; where two overlap at a handover, the one that began last."""
    on = [s for s in shifts if _within(clock, s.starts_at, s.ends_at)]
    if not on:
        return None
    return min(on, key=lambda s: (_started_since(clock, s.starts_at), s.name))


def team_on_duty(team: Team, moment: dt.datetime) -> bool:
    """Whether ``team`` is on duty at local time ``moment``: on one of its days from its start
    time; a span past midnight belongs to the day it began."""
    if not team.is_active:
        return False
    clock, weekday = moment.time(), moment.weekday()
    days = {int(d) for d in team.days}
    starts, ends = team.starts_at, team.ends_at
    if starts == ends:
        return weekday in days
    if starts < ends:
        return weekday in days and starts <= clock < ends
    if clock >= starts:
        return weekday in days
    return clock < ends and (weekday - 1) % 7 in days


@dataclass(frozen=True)
class OnDuty:
    """Who the dispatcher can send now."""

    at: dt.datetime
    shift: DutyShift | None
    cit_officers: list[Trainee] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)
    #: The published rules as of the same read; None when the agency has none yet.
    rule_set: TriageRuleSet | None = None

    @property
    def shift_name(self) -> str:
        return self.shift.name if self.shift is not None else ""

    @property
    def free_teams(self) -> list[Team]:
        """The teams on duty that are free now: a team counts only when it is available."""
        return [team for team in self.teams if team.status == TeamStatus.AVAILABLE]

    @property
    def availability(self) -> triage.Availability:
        free = frozenset(team.kind for team in self.free_teams)
        on = frozenset(team.kind for team in self.teams if team.status == TeamStatus.ON_CALL)
        return triage.Availability(
            cit_on_shift=bool(self.cit_officers), team_kinds=free, busy_kinds=on - free
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "shift": self.shift_name,
            "cit_officers": [
                {
                    "id": t.pk,
                    "name": f"{t.first_name} {t.last_name}",
                    "badge_number": t.badge_number,
                    "district": t.district,
                }
                for t in self.cit_officers
            ],
            "teams": [
                {
                    "id": team.pk,
                    "name": team.name,
                    "kind": team.kind,
                    "contact": team.contact,
                    "status": team.status,
                }
                for team in self.teams
            ],
        }


@dataclass(frozen=True)
class _Inputs:
    """What triage reads of an agency besides the call and the roster, as of one stamp."""

    shifts: tuple[DutyShift, ...]
    teams: tuple[Team, ...]
    rule_set: TriageRuleSet | None


_INPUTS: dict[int, tuple[str, _Inputs]] = {}
_INPUTS_LOCK = Lock()
_INPUTS_MAX = 1024


def _stamp(organization: Organization) -> str | None:
    """The agency's current stamp; None when nothing it covers was ever written. A stamp read
    with the organization (``select_related("organization__dispatch_revision")``) is used
    once and then dropped, so that a later read on the same instance asks the database."""
    fields_cache = organization._state.fields_cache
    if "dispatch_revision" in fields_cache:
        revision = fields_cache.pop("dispatch_revision")
        return revision.stamp if revision is not None else None
    return (
        DispatchRevision.objects.filter(organization_id=organization.pk)
        .values_list("stamp", flat=True)
        .first()
    )


def _inputs(organization: Organization) -> _Inputs:
    """The agency's shifts, teams in service and published rule set, kept by this process
    under the agency's stamp and read again when the stamp has moved (see ``revisions``)."""
    stamp = _stamp(organization)
    if stamp is not None:
        kept = _INPUTS.get(organization.pk)
        if kept is not None and kept[0] == stamp:
            return kept[1]
    inputs = _Inputs(
        shifts=tuple(DutyShift.objects.filter(organization=organization)),
        teams=tuple(Team.objects.filter(organization=organization, is_active=True)),
        rule_set=published_rule_set(organization),
    )
    if stamp is not None:
        with _INPUTS_LOCK:
            if len(_INPUTS) >= _INPUTS_MAX:
                _INPUTS.clear()
            _INPUTS[organization.pk] = (stamp, inputs)
    return inputs


def published_rules(organization: Organization) -> TriageRuleSet | None:
    """``published_rule_set``, as this process keeps it between changes."""
    return _inputs(organization).rule_set


def on_duty(organization: Organization, at: dt.datetime | None = None) -> OnDuty:
    """The current shift, the CIT-certified patrol officers on it and the teams on duty, at
    ``at`` (now by default) on the agency's clock. The shifts and teams are kept between
    changes (``_inputs``); the officers and the teams' statuses are one query each."""
    moment = local_now(organization, at)
    inputs = _inputs(organization)
    shift = current_shift(list(inputs.shifts), moment.time())
    officers = (
        cit_officers_on_shift(organization, shift.name, moment.date()) if shift is not None else []
    )
    # Copies: the kept rows are shared by every request of this process. A team's status
    # changes with every call it takes, so it is read fresh, not kept: one small query, and
    # a status change never waits on the agency's stamp while dispatch holds its teams.
    statuses = dict(
        Team.objects.filter(organization=organization, is_active=True).values_list("pk", "status")
    )
    teams = []
    for kept in inputs.teams:
        if kept.pk in statuses and team_on_duty(kept, moment):
            team = copy.copy(kept)
            team.status = statuses[kept.pk]
            teams.append(team)
    return OnDuty(
        at=moment, shift=shift, cit_officers=officers, teams=teams, rule_set=inputs.rule_set
    )


def dispatchable_trainee(organization: Organization, pk: int) -> Trainee:
    """An active roster entry of the agency the call belongs to, to send to a call."""
    found = Trainee.objects.filter(organization=organization, is_active=True, pk=pk).first()
    if found is None:
        raise Http404("Not found")
    return found


def dispatchable_team(organization: Organization, pk: int) -> Team:
    found = Team.objects.filter(organization=organization, is_active=True, pk=pk).first()
    if found is None:
        raise Http404("Not found")
    return found


# --- Rules -------------------------------------------------------------------------------


def published_rule_set(organization: Organization) -> TriageRuleSet | None:
    """The version new calls use: the latest published one. The rules themselves are left
    unloaded; ``compiled`` loads them once per version and process."""
    return (
        TriageRuleSet.objects.filter(organization=organization, published_at__isnull=False)
        .defer("rules")
        .order_by("-version")
        .first()
    )


def compiled(rule_set: TriageRuleSet) -> triage.CompiledRules:
    """A published rule set, compiled once per process (published versions never change)."""
    key = (rule_set.organization_id, rule_set.version, rule_set.pk, rule_set.published_at)

    def load() -> Any:
        return TriageRuleSet.objects.values_list("rules", flat=True).get(pk=rule_set.pk)

    return triage.cached_rules(key, load)


def rule_sets(actor: Actor, organization: Organization) -> list[TriageRuleSet]:
    """Every version of the agency's rules, newest first, for the rules editor."""
    return list(
        restrict(actor, TriageRuleSet.objects.filter(organization=organization), Action.VIEW, ADMIN)
        .select_related("created_by", "published_by")
        .order_by("-version")
    )


def rule_set_detail(actor: Actor, pk: int, action: Action = Action.VIEW) -> TriageRuleSet:
    return get_or_404(
        actor, TriageRuleSet.objects.select_related("organization"), action, ADMIN, pk=pk
    )


def rules_draft(organization: Organization) -> TriageRuleSet | None:
    """The draft being edited, if any: an unpublished version newer than every published one.
    The caller has checked that the actor edits this agency's rules."""
    latest = TriageRuleSet.objects.filter(organization=organization).order_by("-version").first()
    return latest if latest is not None and not latest.is_published else None


# --- Calls -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallFilters:
    """What the calls list is narrowed to; empty means "any"."""

    start: dt.date | None = None
    end: dt.date | None = None
    mental_health: bool = False
    district: str = ""
    differs: bool = False


#: The calls list's order, newest first; its keyset pagination reads pages by these columns.
CALL_ORDER = ("-received_at", "-pk")
CALL_ORDER_KINDS = (dt.datetime, int)


def calls(actor: Actor, filters: CallFilters, *, time_zone: str = "UTC") -> QuerySet[Call]:
    """The calls the actor may read, filtered, newest first (an index serves each filter)."""
    queryset = restrict(actor, Call.objects.all(), Action.VIEW, ACTIVE_CALL)
    zone = dates.zone(time_zone)
    if filters.start is not None:
        begin = dt.datetime.combine(filters.start, dt.time.min, tzinfo=zone)
        queryset = queryset.filter(received_at__gte=begin)
    if filters.end is not None:
        finish = dt.datetime.combine(filters.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        queryset = queryset.filter(received_at__lt=finish)
    if filters.mental_health:
        queryset = queryset.filter(is_mental_health=True)
    if filters.district:
        queryset = queryset.filter(district=filters.district)
    if filters.differs:
        queryset = queryset.filter(DECISION_DIFFERS)
    return queryset.order_by(*CALL_ORDER)


def calls_for_person(actor: Actor, person: Person) -> QuerySet[Call]:
    """The calls a person appears in that the actor may read, newest first."""
    return calls(actor, CallFilters()).filter(people__person=person).distinct()


#: How many districts the filter offers at most.
DISTRICTS_SHOWN = 200


def districts(actor: Actor) -> list[str]:
    """The districts seen on the calls the actor reads, for the filter. One statement that
    steps through the index on (organization, district) from one district to the next (a
    loose index scan), so a million calls cost what their few districts do."""
    ids = organization_scope(actor, Call, Action.VIEW, ACTIVE_CALL)
    if ids is None:
        ids = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return []
    table = connection.ops.quote_name(Call._meta.db_table)
    seeds = " UNION ALL ".join("SELECT %s" for _ in ids)
    sql = f"""
        WITH RECURSIVE orgs(id) AS ({seeds}),
        found(org, district, n) AS (
            SELECT orgs.id, (
                SELECT c.district FROM {table} c
                WHERE c.organization_id = orgs.id AND c.district > ''
                ORDER BY c.district LIMIT 1
            ), 1 FROM orgs
            UNION ALL
            SELECT found.org, (
                SELECT c.district FROM {table} c
                WHERE c.organization_id = found.org AND c.district > found.district
                ORDER BY c.district LIMIT 1
            ), found.n + 1 FROM found
            WHERE found.district IS NOT NULL AND found.n < %s
        )
        SELECT DISTINCT district FROM found WHERE district IS NOT NULL
        ORDER BY district LIMIT %s
    """  # noqa: S608 - the table name is the model's; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, DISTRICTS_SHOWN, DISTRICTS_SHOWN])
        return [row[0] for row in cursor.fetchall()]


#: How far back the home page's latest calls reach; the page says so.
RECENT_WINDOW_DAYS = 30


def recent_calls(actor: Actor, limit: int = 10) -> list[Call]:
    """The newest calls the actor may read, received within ``RECENT_WINDOW_DAYS``."""
    since = timezone.now() - dt.timedelta(days=RECENT_WINDOW_DAYS)
    return list(calls(actor, CallFilters()).filter(received_at__gte=since)[:limit])


def _with_details(queryset: QuerySet[Call]) -> QuerySet[Call]:
    return queryset.select_related("organization", "rule_set", "triaged_by").prefetch_related(
        Prefetch(
            "assignments",
            queryset=CallAssignment.objects.select_related("trainee", "team", "assigned_by"),
        ),
        "encounters",
        "transfers",
    )


def call_detail(actor: Actor, pk: int) -> Call:
    """One call the actor may read (404 otherwise), with its units and encounters."""
    return get_or_404(actor, _with_details(Call.objects.all()), Action.VIEW, ACTIVE_CALL, pk=pk)


def call_for_change(actor: Actor, pk: int) -> Call:
    return get_or_404(actor, _with_details(Call.objects.all()), Action.CHANGE, ACTIVE_CALL, pk=pk)


def call_for_triage(actor: Actor, pk: int) -> Call:
    """A call the actor may change, locked for the rest of the transaction, with its agency
    and the agency's stamp (see ``_inputs``) in the same query."""
    queryset = Call.objects.select_for_update(of=("self",)).select_related(
        "organization", "organization__dispatch_revision", "rule_set"
    )
    return get_or_404(actor, queryset, Action.CHANGE, ACTIVE_CALL, pk=pk)


def call_by_cad_id(actor: Actor, organization: Organization, cad_event_id: str) -> Call | None:
    """The agency's call with this CAD event id, if the actor may read it."""
    return (
        restrict(actor, Call.objects.filter(organization=organization), Action.VIEW, ACTIVE_CALL)
        .filter(cad_event_id=cad_event_id.strip())
        .first()
    )


def can_change_call(actor: Actor, call: Call) -> bool:
    return bool(decide(actor, Action.CHANGE, call, ACTIVE_CALL))


@dataclass(frozen=True)
class CallRead:
    """A call's restricted parts as one actor may read them: each field's value, or a
    "Restricted" marker; the answers as (question, answer) rows in the protocol's order."""

    fields: restricted.FieldsRead

    @property
    def narrative(self) -> str | restricted.Withheld:
        value: str | restricted.Withheld = self.fields["narrative"]
        return value

    @property
    def close_reason(self) -> str | restricted.Withheld:
        value: str | restricted.Withheld = self.fields["close_reason"]
        return value

    @property
    def reasons(self) -> list[str] | restricted.Withheld:
        value = self.fields["reasons"]
        if isinstance(value, restricted.Withheld):
            return value
        return [str(reason) for reason in value or []]

    @property
    def answers(self) -> list[tuple[str, str]] | restricted.Withheld:
        value = self.fields["answers"]
        if isinstance(value, restricted.Withheld):
            return value
        return triage.answer_rows(value) if value else []


@transaction.atomic
def call_restricted(actor: Actor, call: Call) -> CallRead:
    """The call's restricted parts (the narrative, and the protocol answers: what the person
    was doing, their treatment, violence and victimization history) for those allowed to read
    safety data, a marker for the others; one audited read covers every part shown, and a
    call with none of them records nothing."""
    return CallRead(
        restricted.read(actor, call, ACTIVE_CALL, audit_action=DispatchAudit.CALL_NARRATIVE_READ)
    )


@dataclass(frozen=True)
class PersonOnCall:
    person: Person
    role: str
    role_label: str


def call_people(actor: Actor, call: Call) -> tuple[list[PersonOnCall], int]:
    """The people on a call the actor may read (each read audited), and how many are
    withheld."""
    links = list(
        CallPerson.objects.filter(call=call)
        .select_related("person")
        .prefetch_related("person__aliases")
        .order_by("pk")
    )
    shown = read_people(actor, [link.person for link in links], purpose=ACTIVE_CALL)
    visible = {person.pk for person in shown}
    found = [
        PersonOnCall(link.person, link.role, link.get_role_display())
        for link in links
        if link.person_id in visible
    ]
    return found, len(links) - len(found)


def officer_calls(actor: Actor, limit: int = 20) -> list[Call]:
    """Calls the actor was sent to, through the roster entry linked to their account: those
    whose report was returned for changes first, then those with a draft or no report yet,
    then those whose report is submitted or accepted; newest first within each. Each call
    carries ``report_label`` (its report's state in words) and ``report_action`` ("file",
    "continue" or "none": what its button offers) when the module that keeps reports has
    registered its states."""
    if actor.user_id is None:
        return []
    sent = CallAssignment.objects.filter(call_id=OuterRef("pk"), trainee__user_id=actor.user_id)
    queryset = restrict(actor, Call.objects.all(), Action.VIEW, ACTIVE_CALL).filter(Exists(sent))
    states = report_states.registered()
    if states is None:
        return list(queryset.order_by("-received_at", "-pk")[:limit])
    rows = list(
        states.annotate(queryset, actor.user_id).order_by("report_rank", "-received_at", "-pk")[
            :limit
        ]
    )
    for call in rows:
        state = getattr(call, "report_state", None)
        call.report_label = states.label(state)  # type: ignore[attr-defined]
        done = getattr(call, "report_rank", None) == report_states.DONE
        action = "none" if done else "continue" if state else "file"
        call.report_action = action  # type: ignore[attr-defined]
    return rows


# --- Duty board --------------------------------------------------------------------------


def shifts(actor: Actor, organization: Organization) -> list[DutyShift]:
    return list(
        restrict(actor, DutyShift.objects.filter(organization=organization), Action.VIEW, ADMIN)
    )


def teams(actor: Actor, organization: Organization) -> list[Team]:
    return list(restrict(actor, Team.objects.filter(organization=organization), Action.VIEW, ADMIN))


def shift_for_change(actor: Actor, pk: int) -> DutyShift:
    return get_or_404(
        actor, DutyShift.objects.select_related("organization"), Action.CHANGE, ADMIN, pk=pk
    )


def team_for_change(actor: Actor, pk: int) -> Team:
    return get_or_404(
        actor, Team.objects.select_related("organization"), Action.CHANGE, ADMIN, pk=pk
    )


# --- Queues for busy teams ------------------------------------------------------------------

#: The wait per call ahead in a team's queue when the team has no recent call on record.
DEFAULT_MINUTES_PER_CALL = 60
#: How many of a team's latest calls set its time per call, and how far back they may be.
RECENT_CALLS = 10
RECENT_DAYS = 30


@dataclass(frozen=True)
class TeamQueue:
    """Calls waiting for a team, and how long one call takes it: the mean of its recent
    calls (sent or accepted to clear), or the stated default when it has none."""

    waiting: int
    minutes_per_call: int
    #: How many recent calls the time per call comes from; 0 means the default.
    recent_calls: int

    def wait_minutes(self, position: int) -> int:
        """About how long the call at ``position`` (1 is next) waits: the team's current call
        and each call ahead of it."""
        return position * self.minutes_per_call


def team_queues(teams: list[Team], at: dt.datetime | None = None) -> dict[int, TeamQueue]:
    """Each team's queue and time per call. Two queries, whatever the number of teams."""
    ids = [team.pk for team in teams]
    if not ids:
        return {}
    moment = at or timezone.now()
    waiting: dict[int, int] = dict.fromkeys(ids, 0)
    for team_id in CallAssignment.objects.filter(
        team_id__in=ids, status=AssignmentStatus.QUEUED
    ).values_list("team_id", flat=True)[:1000]:
        waiting[team_id] += 1
    spans: dict[int, list[float]] = {pk: [] for pk in ids}
    recent = (
        CallAssignment.objects.filter(
            team_id__in=ids,
            status=AssignmentStatus.CLEAR,
            cleared_at__isnull=False,
            cleared_at__gte=moment - dt.timedelta(days=RECENT_DAYS),
        )
        .order_by("-cleared_at")
        .values_list("team_id", "assigned_at", "accepted_at", "cleared_at")[
            : RECENT_CALLS * len(ids)
        ]
    )
    for team_id, assigned, accepted, cleared in recent:
        found = spans[team_id]
        start = accepted or assigned
        if len(found) < RECENT_CALLS and cleared is not None and cleared >= start:
            found.append((cleared - start).total_seconds() / 60)
    queues: dict[int, TeamQueue] = {}
    for pk in ids:
        found = spans[pk]
        minutes = round(sum(found) / len(found)) if found else DEFAULT_MINUTES_PER_CALL
        queues[pk] = TeamQueue(waiting[pk], max(1, minutes), len(found))
    return queues


@dataclass(frozen=True)
class QueuePlace:
    position: int
    minutes: int
    queue: TeamQueue


def queue_places(call: Call) -> dict[int, QueuePlace]:
    """For each of the call's assignments waiting in a team's queue, its place and about how
    long it waits (by assignment id). Three queries beyond the call's prefetched assignments,
    whatever the number of queued assignments."""
    queued = [
        a
        for a in call.assignments.all()
        if a.status == AssignmentStatus.QUEUED and a.team_id is not None
    ]
    if not queued:
        return {}
    queues = team_queues([a.team for a in queued if a.team is not None])
    # How many wait ahead of each: one count per assignment, all in one query.
    ahead_of = {
        f"ahead_{assignment.pk}": Count(
            "pk",
            filter=Q(team_id=assignment.team_id)
            & (
                Q(assigned_at__lt=assignment.assigned_at)
                | Q(assigned_at=assignment.assigned_at, pk__lt=assignment.pk)
            ),
        )
        for assignment in queued
    }
    counts = CallAssignment.objects.filter(
        team_id__in=sorted({a.team_id for a in queued}), status=AssignmentStatus.QUEUED
    ).aggregate(**ahead_of)
    places: dict[int, QueuePlace] = {}
    for assignment in queued:
        ahead = int(counts[f"ahead_{assignment.pk}"] or 0)
        queue = queues[int(assignment.team_id or 0)]
        places[assignment.pk] = QueuePlace(ahead + 1, queue.wait_minutes(ahead + 1), queue)
    return places


# --- The recommendation, before anything is saved -----------------------------------------

_TEAM_ROUTES = {
    Routing.CO_RESPONDER: "co_responder",
    Routing.MOBILE_CRISIS: "mobile_crisis",
    Routing.EMS: "ems",
}


@dataclass(frozen=True)
class PlannedUnit:
    """One unit the dispatch key sends: a team free now, a busy team's queue, a CIT officer
    on the shift, or a unit named by its route for the radio."""

    route: Routing
    team: Team | None = None
    trainee: Trainee | None = None
    call_sign: str = ""
    #: Set when the team is busy: the call waits in its queue at this place.
    position: int = 0
    wait_minutes: int = 0
    queue: TeamQueue | None = None

    @property
    def queued(self) -> bool:
        return self.position > 0

    @property
    def name(self) -> str:
        if self.team is not None:
            return self.team.name
        if self.trainee is not None:
            return f"{self.trainee.first_name} {self.trainee.last_name}"
        return self.call_sign


def plan_units(
    units: list[Routing] | tuple[Routing, ...], duty: OnDuty, queues: dict[int, TeamQueue]
) -> list[PlannedUnit]:
    """Who the dispatch key sends for each unit of a response: for a team's kind, the first
    team free now, else the busy team on duty with the shortest queue (the call waits in it);
    for a CIT officer, the first on the shift; otherwise the unit named by its route. A
    transfer or a referral sends no unit."""
    planned: list[PlannedUnit] = []
    officers = list(duty.cit_officers)
    for route in units:
        if route in triage.NO_UNIT_ROUTES:
            continue
        kind = _TEAM_ROUTES.get(route)
        if kind is not None:
            free = [t for t in duty.free_teams if t.kind == kind]
            busy = [t for t in duty.teams if t.kind == kind and t.status == TeamStatus.ON_CALL]
            if free:
                planned.append(PlannedUnit(route, team=free[0]))
                continue
            if busy:
                team = min(busy, key=lambda t: (queues[t.pk].waiting, t.name))
                queue = queues[team.pk]
                position = queue.waiting + 1
                planned.append(
                    PlannedUnit(
                        route,
                        team=team,
                        position=position,
                        wait_minutes=queue.wait_minutes(position),
                        queue=queue,
                    )
                )
                continue
        if route == Routing.CIT_OFFICER and officers:
            planned.append(PlannedUnit(route, trainee=officers.pop(0)))
            continue
        planned.append(PlannedUnit(route, call_sign=str(route.label)[:60]))
    return planned


@dataclass(frozen=True)
class Recommendation:
    result: triage.TriageResult
    duty: OnDuty
    #: The published version applied; ``None`` when the agency has none yet and the product's
    #: starting rules were used (they are published with the first triaged call).
    rule_set: TriageRuleSet | None
    #: Who the dispatch key sends for the recommended units.
    plan: list[PlannedUnit] = field(default_factory=list)
    #: The recommendation should a warm transfer not be accepted.
    fallback: triage.TriageResult | None = None


def recommend(actor: Actor, organization: Organization, answers: dict[str, str]) -> Recommendation:
    """What the protocol advises for these (cleaned) answers now, for the call-taker's screen;
    saves nothing. 404 for those who do not take this agency's calls."""
    if not can_take_calls(actor, organization):
        raise Http404("Not found")
    duty = on_duty(organization)
    rule_set = published_rule_set(organization)
    rules = (
        compiled(rule_set)
        if rule_set is not None
        else triage.cached_rules(("product-defaults",), triage.default_rules)
    )
    result = triage.evaluate(rules, answers, duty.availability)
    queues = team_queues(duty.teams)
    fallback = (
        triage.evaluate(rules, answers, duty.availability, without_transfer=True)
        if result.is_transfer
        else None
    )
    return Recommendation(
        result, duty, rule_set, plan_units(result.units, duty, queues), fallback=fallback
    )

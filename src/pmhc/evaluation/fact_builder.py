"""Building the de-identified facts of calls (``CallFact``), one row per call. Only
``rollup_services`` calls it, inside its audited transactions.

A call's fact is read from the call, its warm transfers and units, and its newest ACCEPTED
encounter report (the highest id, as the de-identified download picks it) with that report's
responders, its person in crisis and the referrals sent from it. Facts are written by call:
those of the calls asked for are deleted by ``call_id`` and inserted again, never updated in
place, so the table may be partitioned by month. Calls are read in chunks of ``CHUNK`` with a
constant number of queries a chunk.

What each column holds (the metrics of ``metrics.py`` are worded to agree):

- ``month``, ``day``, ``weekday``: the call's received time in the agency's time zone. A call
  whose CAD export gave only its month keeps ``month``; its day, weekday and shift stay empty.
- ``shift``: the name of the agency's duty shift (Operate's duty board) the received time falls
  in; empty when the agency has no shifts.
- ``route``: the call-taker's decision, else the protocol's recommendation, else what answered
  it: a co-responder, mobile crisis or EMS team sent; else, on the accepted report, a clinician
  with an officer (``co_responder``) or a clinician alone (``mobile_crisis``); else a CIT
  officer sent (``cit_officer``); else a unit sent or on scene (``patrol_priority``); else empty.
- ``recommended``: the protocol's recommendation, when it ran.
- ``cit_responder``: a CIT-certified officer arrived (the CAD's flag) or is among the accepted
  report's responders.
- ``officer_responder``: ``cit_responder``, or an officer is among the accepted report's
  responders (a clinician alone, a report without responders, or no report: false).
- ``program_type``: empty for now: no program type is recorded per call or chosen in Plan.
- ``race_ethnicity``: what the accepted report records of its person in crisis: the one
  category, ``multiple`` when several, ``not_recorded`` when none; empty without a report or a
  person.
- ``mental_health``: the call is marked as a mental health call.
- ``clinician``: the route is a co-responder or mobile crisis team, or a responder on the
  accepted report is a clinician.
- ``cit_or_clinician``: ``cit_responder`` or ``clinician``.
- ``reported``: the call has an accepted encounter report. Every flag below down to
  ``repeat_90d`` is read from that report and is false without one.
- ``arrest_eligible``: the report says the person could have been arrested.
- ``arrested``: the report's law outcome is an arrest.
- ``diverted``: could have been arrested and was diverted to services instead
  (``response.models.DIVERTED_FROM_ARREST``).
- ``force_above_presence``: the highest force was above presence and verbal direction
  (hands-on, a less-lethal weapon, or lethal force).
- ``officer_injured``, ``subject_injured``: an injury other than "none" was recorded.
- ``transported``: a transport other than "no transport"; ``transport_ed``: to an emergency
  department; ``transport_crisis``: to a crisis receiving or stabilization center.
- ``referred``: a referral was sent from the report (care's referrals of the encounter).
- ``referral_attended_30d``: one of those referrals was attended within 30 days of being sent.
- ``connected``: the disposition counts as connected to services, or the person was taken to
  treatment (a crisis center, a psychiatric hospital, or detox), or ``referred``.
- ``repeat_90d``: the report's person in crisis was on another call of the agency (as a
  person on the call, or on an encounter report of it) received in the 90 days before. A
  person is their identity when identity resolution linked their records (any of the
  identity's records counts), else the one record.
- ``transfer_988``: the route is a warm transfer to 988 or the local crisis line, or a warm
  transfer was recorded; ``transfer_988_accepted``: a recorded transfer was accepted.
- ``matched_clinician_route``: the protocol recommended a co-responder or mobile crisis team
  and the call went to that route.
- ``clinician_route_unavailable``: the protocol recommended a co-responder or mobile crisis
  team and the call went to police instead (a CIT officer or patrol). Operate keeps why only
  in the call's restricted reasons, so every such call counts, whatever the reason.
- ``minutes_to_scene``: whole minutes from received to the first unit on scene, for calls
  whose day is known and that had a unit on scene.
- ``officer_minutes``: whole minutes summed over the accepted report's officers (responders
  whose role is officer; clinicians and others are left out), each from arrival to clear (the
  report's arrival and back-in-service times stand in for an officer's own); empty when none
  can be counted.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections, router
from django.db.models import F, Q

from pmhc.care.models import Referral
from pmhc.dispatch.models import (
    AssignmentStatus,
    Call,
    CallAssignment,
    CallPerson,
    CallTransfer,
    DatePrecision,
    DutyShift,
    Routing,
    TeamKind,
)
from pmhc.evaluation.models import CallFact
from pmhc.platform.bulk import insert_rows
from pmhc.platform.models import Organization
from pmhc.response.models import (
    Destination,
    DispositionOutcome,
    Encounter,
    EncounterPerson,
    EncounterResponder,
    EncounterStatus,
    Force,
    Injury,
    LawOutcome,
    ResponderRole,
    Transport,
)

#: Calls read and written at a time.
CHUNK = 2000
REPEAT_WINDOW = dt.timedelta(days=90)
ATTENDED_WITHIN = dt.timedelta(days=30)
CLINICIAN_ROUTES = frozenset({Routing.CO_RESPONDER, Routing.MOBILE_CRISIS})
POLICE_ROUTES = frozenset({Routing.CIT_OFFICER, Routing.PATROL_PRIORITY})
FORCE_ABOVE_PRESENCE = frozenset({Force.HANDS_ON, Force.LESS_LETHAL, Force.LETHAL})
TREATMENT = frozenset(
    {Destination.CRISIS_CENTER, Destination.PSYCHIATRIC_HOSPITAL, Destination.DETOX}
)
TEAM_ROUTES = {
    TeamKind.CO_RESPONDER: Routing.CO_RESPONDER,
    TeamKind.MOBILE_CRISIS: Routing.MOBILE_CRISIS,
    TeamKind.EMS: Routing.EMS,
}
MULTIPLE = "multiple"
NOT_RECORDED = "not_recorded"

CALL_FIELDS = (
    "pk",
    "received_at",
    "received_precision",
    "first_arrival_at",
    "district",
    "apco_type",
    "priority",
    "is_mental_health",
    "cit_dispatched",
    "cit_arrived",
    "recommendation",
    "decision",
    "units",
)
REPORT_FIELDS = (
    "pk",
    "call_id",
    "arrived_at",
    "back_in_service_at",
    "highest_force",
    "officer_injury",
    "subject_injury",
    "transport",
    "destination_kind",
    "arrest_eligible",
    "law_outcome",
    "disposition__outcome",
)


class Shifts:
    """The agency's duty shifts by local clock time (a shift may run past midnight)."""

    def __init__(self, organization: Organization) -> None:
        self.shifts = list(
            DutyShift.objects.filter(organization=organization)
            .order_by("starts_at")
            .values_list("name", "starts_at", "ends_at")
        )

    def at(self, moment: dt.time) -> str:
        for name, starts, ends in self.shifts:
            if starts <= ends:
                if starts <= moment < ends:
                    return str(name)[:40]
            elif moment >= starts or moment < ends:
                return str(name)[:40]
        return ""


def _minutes(start: dt.datetime | None, end: dt.datetime | None) -> int | None:
    if start is None or end is None or end < start:
        return None
    return int((end - start).total_seconds() // 60)


def _race(categories: Any) -> str:
    values = [str(v) for v in categories or [] if v and v != NOT_RECORDED]
    if not values:
        return NOT_RECORDED
    return values[0][:30] if len(set(values)) == 1 else MULTIPLE


class _Chunk:
    """What the facts of one chunk of calls read besides the calls: a constant number of
    queries whatever the chunk's size."""

    def __init__(self, organization: Organization, calls: Sequence[dict[str, Any]]) -> None:
        ids = [c["pk"] for c in calls]
        self.reports: dict[int, dict[str, Any]] = {}
        accepted = (
            Encounter.objects.filter(call_id__in=ids, status=EncounterStatus.ACCEPTED)
            .order_by("call_id", "pk")
            .values(*REPORT_FIELDS)
        )
        for report in accepted:
            self.reports[report["call_id"]] = report  # the newest of a call's reports wins
        reports = [r["pk"] for r in self.reports.values()]
        self.responders: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.subjects: dict[int, dict[str, Any]] = {}
        self.referrals: dict[int, list[tuple[dt.datetime, dt.datetime | None]]] = defaultdict(list)
        if reports:
            for responder in EncounterResponder.objects.filter(encounter_id__in=reports).values(
                "encounter_id", "role", "cit_certified", "arrived_at", "cleared_at"
            ):
                self.responders[responder["encounter_id"]].append(dict(responder))
            subjects = (
                EncounterPerson.objects.filter(encounter_id__in=reports, role="subject")
                .annotate(identity_id=F("person__identity_id"))
                .order_by("encounter_id", "-pk")
                .values("encounter_id", "person_id", "race_ethnicity", "identity_id")
            )
            for subject in subjects:
                # The first-added subject wins.
                self.subjects[subject["encounter_id"]] = dict(subject)
            for encounter_id, sent, attended in Referral.objects.filter(
                encounter_id__in=reports
            ).values_list("encounter_id", "sent_at", "attended_at"):
                self.referrals[encounter_id].append((sent, attended))
        self.transfers: dict[int, list[bool]] = defaultdict(list)
        for call_id, accepted_flag in CallTransfer.objects.filter(call_id__in=ids).values_list(
            "call_id", "accepted"
        ):
            self.transfers[call_id].append(accepted_flag)
        self.teams: dict[int, set[str]] = defaultdict(set)
        for call_id, kind in (
            CallAssignment.objects.filter(call_id__in=ids, team__isnull=False)
            .exclude(status=AssignmentStatus.CANCELLED)
            .values_list("call_id", "team__kind")
        ):
            self.teams[call_id].add(kind)
        self.history = self._history(organization, calls)

    def _history(
        self, organization: Organization, calls: Sequence[dict[str, Any]]
    ) -> dict[Key, list[tuple[int, dt.datetime]]]:
        """Each person in crisis's calls (by call and time) in the window the chunk needs,
        under the person's key (``key``): the records of one identity share their calls."""
        history: dict[Key, list[tuple[int, dt.datetime]]] = defaultdict(list)
        if not self.subjects:
            return history
        times = [c["received_at"] for c in calls]
        rows = _calls_of(
            organization,
            {key_of(s["person_id"], s["identity_id"]) for s in self.subjects.values()},
            since=min(times) - REPEAT_WINDOW,
            until=max(times),
        )
        for key, call_id, received in rows:
            history[key].append((call_id, received))
        return history

    def repeat(self, key: Key, call_id: int, received: dt.datetime) -> bool:
        since = received - REPEAT_WINDOW
        return any(
            other != call_id and since <= at < received for other, at in self.history.get(key, ())
        )


#: Whom a person record stands for: its identity when identity resolution gave it one (the
#: records of one person share it), else the record itself.
Key = tuple[str, int]


def key_of(person_id: int, identity_id: int | None) -> Key:
    return ("identity", identity_id) if identity_id is not None else ("person", person_id)


def _calls_of(
    organization: Organization, keys: set[Key], *, since: dt.datetime, until: dt.datetime
) -> list[tuple[Key, int, dt.datetime]]:
    """The organization's calls received from ``since`` to ``until`` that one of these people
    was on (as a person on the call, or on an encounter report of it): two queries."""
    people = [pk for kind, pk in keys if kind == "person"]
    identities = [pk for kind, pk in keys if kind == "identity"]
    rows: list[tuple[Key, int, dt.datetime]] = []
    for model, prefix in ((CallPerson, "call__"), (EncounterPerson, "encounter__call__")):
        found = model.objects.filter(
            Q(person_id__in=people) | Q(person__identity_id__in=identities),
            **{
                f"{prefix}organization": organization,
                f"{prefix}received_at__gte": since,
                f"{prefix}received_at__lte": until,
            },
        ).values_list("person_id", "person__identity_id", f"{prefix}id", f"{prefix}received_at")
        rows.extend((key_of(p, i), call_id, at) for p, i, call_id, at in found)
    return rows


def later_calls(organization: Organization, call_ids: Iterable[int]) -> set[int]:
    """The calls whose ``repeat_90d`` may change with these calls: those of the same people
    (by ``key``) received in the ``REPEAT_WINDOW`` after one of them. Four queries a chunk of
    ``CHUNK`` calls, each bounded by the chunk's people and its window."""
    ids = sorted(set(call_ids))
    later: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        on = [
            *CallPerson.objects.filter(call_id__in=part).values_list(
                "person_id", "person__identity_id", "call__received_at"
            ),
            *EncounterPerson.objects.filter(encounter__call_id__in=part).values_list(
                "person_id", "person__identity_id", "encounter__call__received_at"
            ),
        ]
        if not on:
            continue
        times = [at for _, _, at in on]
        keys = {key_of(p, i) for p, i, _ in on}
        rows = _calls_of(organization, keys, since=min(times), until=max(times) + REPEAT_WINDOW)
        later.update(call_id for _, call_id, _ in rows)
    return later - set(ids)


def _route(call: dict[str, Any], teams: set[str], responders: list[dict[str, Any]]) -> str:
    if call["decision"]:
        return str(call["decision"])
    if call["recommendation"]:
        return str(call["recommendation"])
    for kind in (TeamKind.CO_RESPONDER, TeamKind.MOBILE_CRISIS, TeamKind.EMS):
        if kind in teams:
            return TEAM_ROUTES[kind]
    roles = {r["role"] for r in responders}
    if ResponderRole.CLINICIAN in roles:
        return Routing.CO_RESPONDER if ResponderRole.OFFICER in roles else Routing.MOBILE_CRISIS
    if call["cit_dispatched"]:
        return Routing.CIT_OFFICER
    if call["units"] or call["first_arrival_at"] is not None:
        return Routing.PATROL_PRIORITY
    return ""


def fact_of(
    call: dict[str, Any], chunk: _Chunk, organization: Organization, shifts: Shifts
) -> CallFact:
    """The fact of one call (a row of ``CALL_FIELDS``) from what its chunk read."""
    tz = organization.zone
    local = call["received_at"].astimezone(tz)
    day_known = call["received_precision"] == DatePrecision.DAY
    report = chunk.reports.get(call["pk"])
    responders = chunk.responders.get(report["pk"], []) if report else []
    route = _route(call, chunk.teams.get(call["pk"], set()), responders)
    clinician = route in CLINICIAN_ROUTES or any(
        r["role"] == ResponderRole.CLINICIAN for r in responders
    )
    cit = bool(call["cit_arrived"]) or any(r["cit_certified"] for r in responders)
    recommended = call["recommendation"] or ""
    transfers = chunk.transfers.get(call["pk"], [])
    fact = CallFact(
        organization=organization,
        call_id=call["pk"],
        month=local.date().replace(day=1),
        day=local.date() if day_known else None,
        weekday=local.weekday() if day_known else None,
        shift=shifts.at(local.time()) if day_known else "",
        district=(call["district"] or "")[:60],
        route=route,
        recommended=recommended,
        cit_responder=cit,
        officer_responder=cit or any(r["role"] == ResponderRole.OFFICER for r in responders),
        program_type="",
        apco_type=(call["apco_type"] or "")[:12],
        priority=call["priority"],
        mental_health=bool(call["is_mental_health"]),
        clinician=clinician,
        cit_or_clinician=cit or clinician,
        transfer_988=route == Routing.TRANSFER_988 or bool(transfers),
        transfer_988_accepted=any(transfers),
        matched_clinician_route=recommended in CLINICIAN_ROUTES and route == recommended,
        clinician_route_unavailable=recommended in CLINICIAN_ROUTES and route in POLICE_ROUTES,
        minutes_to_scene=(
            _minutes(call["received_at"], call["first_arrival_at"]) if day_known else None
        ),
    )
    if report is not None:
        _report_flags(fact, call, report, responders, chunk)
    return fact


def _report_flags(
    fact: CallFact,
    call: dict[str, Any],
    report: dict[str, Any],
    responders: list[dict[str, Any]],
    chunk: _Chunk,
) -> None:
    fact.reported = True
    fact.arrest_eligible = bool(report["arrest_eligible"])
    fact.arrested = report["law_outcome"] == LawOutcome.ARRESTED
    fact.diverted = fact.arrest_eligible and report["law_outcome"] == LawOutcome.DIVERTED
    fact.force_above_presence = report["highest_force"] in FORCE_ABOVE_PRESENCE
    fact.officer_injured = report["officer_injury"] not in ("", Injury.NONE)
    fact.subject_injured = report["subject_injury"] not in ("", Injury.NONE)
    fact.transported = report["transport"] not in ("", Transport.NONE)
    destination = report["destination_kind"] if fact.transported else ""
    fact.transport_ed = destination == Destination.EMERGENCY_DEPARTMENT
    fact.transport_crisis = destination == Destination.CRISIS_CENTER
    referrals = chunk.referrals.get(report["pk"], [])
    fact.referred = bool(referrals)
    fact.referral_attended_30d = any(
        attended is not None and sent <= attended <= sent + ATTENDED_WITHIN
        for sent, attended in referrals
    )
    fact.connected = (
        report["disposition__outcome"] == DispositionOutcome.CONNECTED
        or destination in TREATMENT
        or fact.referred
    )
    subject = chunk.subjects.get(report["pk"])
    if subject is not None:
        fact.race_ethnicity = _race(subject["race_ethnicity"])
        fact.repeat_90d = chunk.repeat(
            key_of(subject["person_id"], subject["identity_id"]), call["pk"], call["received_at"]
        )
    spans = [
        _minutes(
            r["arrived_at"] or report["arrived_at"], r["cleared_at"] or report["back_in_service_at"]
        )
        for r in responders
        if r["role"] == ResponderRole.OFFICER
    ]
    counted = [m for m in spans if m is not None]
    fact.officer_minutes = sum(counted) if counted else None


def build(
    organization: Organization, calls: Sequence[dict[str, Any]], shifts: Shifts
) -> list[CallFact]:
    """The facts of a chunk of calls (rows of ``CALL_FIELDS``, of one organization)."""
    if not calls:
        return []
    chunk = _Chunk(organization, calls)
    return [fact_of(call, chunk, organization, shifts) for call in calls]


#: The facts' columns, as ``platform.bulk`` writes them.
FIELDS = [f for f in CallFact._meta.concrete_fields if not f.primary_key]


def insert(facts: Sequence[CallFact]) -> None:
    """Insert a chunk's facts by the database's own bulk path (``platform.bulk``), without
    the per-row work of ``bulk_create``. No id is read back, so the table may be
    partitioned."""
    connection = connections[router.db_for_write(CallFact)]
    insert_rows(
        CallFact._meta.db_table,
        [f.column for f in FIELDS],
        (
            [f.get_db_prep_save(getattr(fact, f.attname), connection) for f in FIELDS]
            for fact in facts
        ),
    )


def write_facts(organization: Organization, call_ids: Iterable[int]) -> set[dt.date]:
    """Build again the facts of these calls of the organization, a chunk at a time: delete
    theirs by ``call_id`` and insert the new ones. Returns the months touched (before and
    after, so a call whose time moved to another month counts in both). A call that no longer
    exists loses its fact."""
    ids = sorted(set(call_ids))
    months: set[dt.date] = set()
    shifts = Shifts(organization)
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        old = CallFact.objects.filter(organization=organization, call_id__in=part)
        months.update(old.values_list("month", flat=True).distinct())
        old.delete()
        calls = list(
            Call.objects.filter(organization=organization, pk__in=part)
            .order_by("pk")
            .values(*CALL_FIELDS)
        )
        facts = build(organization, calls, shifts)
        insert(facts)
        months.update(f.month for f in facts)
    return months


def write_all_facts(organization: Organization, progress: Any = None) -> tuple[int, set[dt.date]]:
    """Build every fact of the organization again: delete its facts, then read its calls in
    order of id, a chunk at a time. ``progress(n)`` is called with each chunk's size. Returns
    the count of facts and the months they fall in."""
    CallFact.objects.filter(organization=organization).delete()
    shifts = Shifts(organization)
    calls = Call.objects.filter(organization=organization).order_by("pk")
    last, count = 0, 0
    months: set[dt.date] = set()
    while True:
        rows = list(calls.filter(pk__gt=last).values(*CALL_FIELDS)[:CHUNK])
        if not rows:
            return count, months
        last = rows[-1]["pk"]
        facts = build(organization, rows, shifts)
        insert(facts)
        months.update(f.month for f in facts)
        count += len(facts)
        if progress is not None:
            progress(len(rows))

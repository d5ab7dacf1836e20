"""After the demo is built, its rollups hold the four headline measures of its year exactly as
a direct count over the calls, reports and referrals gives them (on PostgreSQL too)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Exists, OuterRef, Q, Subquery

from pmhc.care.models import Referral
from pmhc.demo import generator
from pmhc.dispatch.models import Call, CallPerson
from pmhc.evaluation import metrics, rollup_selectors
from pmhc.evaluation.models import CallFact, RollupState
from pmhc.platform.access import actor_for_user
from pmhc.platform.models import Membership, Role
from pmhc.response.models import Encounter, EncounterPerson, EncounterStatus

TREATMENT = ("crisis_center", "psychiatric_hospital", "detox")


def direct_counts(organization) -> dict[str, int]:
    """The headline counts straight from the operational tables, written apart from the
    fact builder: the newest accepted report of each call."""
    newest = Encounter.objects.filter(
        call=OuterRef("pk"), status=EncounterStatus.ACCEPTED
    ).order_by("-pk")
    calls = Call.objects.filter(organization=organization).annotate(
        report=Subquery(newest.values("pk")[:1])
    )
    report_ids = [pk for pk in calls.values_list("report", flat=True) if pk is not None]
    reports = Encounter.objects.filter(pk__in=report_ids)
    referred = Referral.objects.filter(encounter=OuterRef("pk"))
    connected = reports.filter(
        Q(disposition__outcome="connected")
        | (~Q(transport="none") & Q(destination_kind__in=TREATMENT))
        | Exists(referred)
    ).count()
    # Repeat: the report's first person in crisis on another of the agency's calls received
    # in the 90 days before.
    seen: dict[int, list[tuple[int, dt.datetime]]] = defaultdict(list)
    for person, call, received in CallPerson.objects.filter(
        call__organization=organization
    ).values_list("person_id", "call_id", "call__received_at"):
        seen[person].append((call, received))
    for person, call, received in EncounterPerson.objects.filter(
        encounter__call__organization=organization
    ).values_list("person_id", "encounter__call_id", "encounter__call__received_at"):
        seen[person].append((call, received))
    first_subject: dict[int, int] = {}
    for encounter, person in (
        EncounterPerson.objects.filter(encounter__in=reports, role="subject")
        .order_by("-pk")
        .values_list("encounter_id", "person_id")
    ):
        first_subject[encounter] = person
    repeat = 0
    for encounter, call, received in reports.values_list("pk", "call_id", "call__received_at"):
        subject = first_subject.get(encounter)
        if subject is not None and any(
            other != call and received - dt.timedelta(days=90) <= at < received
            for other, at in seen[subject]
        ):
            repeat += 1
    return {
        "calls": calls.count(),
        "reported": len(report_ids),
        "connected": connected,
        "repeat_90d": repeat,
        "arrest_eligible": reports.filter(arrest_eligible=True).count(),
        "diverted": reports.filter(arrest_eligible=True, law_outcome="diverted").count(),
        "force_above_presence": reports.filter(
            highest_force__in=("hands_on", "less_lethal", "lethal")
        ).count(),
    }


def test_the_demos_headline_measures_equal_a_direct_count(db):
    ctx = generator.build(password="demo-password-for-tests", log=lambda _: None)
    pd = ctx.organizations["pd"]
    assert RollupState.objects.get(organization=pd).up_to is not None
    assert (
        CallFact.objects.filter(organization=pd).count()
        == Call.objects.filter(organization=pd).count()
    )
    reader = Membership.objects.filter(organization=pd, role=Role.ANALYST).first()
    assert reader is not None
    first = Call.objects.filter(organization=pd).order_by("received_at").first()
    assert first is not None
    since = first.received_at.astimezone(pd.zone).date().replace(day=1)
    rolled = rollup_selectors.totals(
        actor_for_user(reader.user, organization_id=pd.pk),
        pd.pk,
        since=since,
        until=pd.today().replace(day=1),
    )[0]
    direct = direct_counts(pd)
    assert direct["reported"] > 0 and direct["connected"] > 0 and direct["diverted"] > 0
    assert {name: rolled[name] for name in direct} == direct
    for key in metrics.HEADLINE:
        metric = metrics.BY_KEY[key]
        assert metrics.value(
            metric, rolled[metric.numerator], rolled[metric.denominator]
        ) == metrics.value(metric, direct[metric.numerator], direct[metric.denominator])

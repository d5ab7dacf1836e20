"""The retention schedule with a different length per kind: a dry run lists what the real run
does, a person is dated by the last call or report they were in even after that call was
de-identified, no value of a corrected report outlives it, and the daily purge waits for
the night."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from pmhc.dispatch.models import Call, CallPerson
from pmhc.dispatch.retention import CALLS
from pmhc.dispatch.tests.plans import content, plan_world
from pmhc.people import plan_services
from pmhc.people.models import Person
from pmhc.people.plan_models import ResponsePlan, ResponsePlanVersion
from pmhc.people.retention import PEOPLE, PLANS, deidentify_people
from pmhc.platform import retention_selectors, retention_services, worker_hooks
from pmhc.platform.access import system_actor
from pmhc.platform.models import AuditAction, AuditEvent, RetentionSchedule
from pmhc.response.models import Encounter, EncounterAmendment, EncounterPerson
from pmhc.response.retention import ENCOUNTERS
from pmhc.response.tests.factories import make_call

pytestmark = pytest.mark.django_db
SYSTEM = system_actor("test")
SECRET = "Quillon-Marsh"


def _person_in_call(organization, *, recorded_days_ago: int, call_days_ago: int):
    call = make_call(organization, hours_ago=call_days_ago * 24)
    Call.objects.filter(pk=call.pk).update(narrative=f"{SECRET} at the door")
    person = Person.objects.create(organization=organization, family_name=SECRET, given_name="B")
    Person.objects.filter(pk=person.pk).update(
        created_at=timezone.now() - dt.timedelta(days=recorded_days_ago)
    )
    CallPerson.objects.create(call=call, person=person)
    encounter = Encounter.objects.create(organization=organization, call=call, narrative=SECRET)
    EncounterPerson.objects.create(
        encounter=encounter, person=person, race_ethnicity=["white"], housing_status="housed"
    )
    return call, encounter, person


def _schedule(organization, **days):
    for key, value in days.items():
        RetentionSchedule.objects.create(organization=organization, record_kind=key, days=value)


def _purged():
    return {
        event.object_id: json.loads(json.dumps(event.after))["count"]
        for event in AuditEvent.objects.filter(action=AuditAction.RETENTION_PURGED)
    }


def test_a_dry_run_lists_what_the_run_does_when_calls_go_before_people(cast):
    _schedule(cast.agency, **{CALLS: 180, ENCOUNTERS: 180, PEOPLE: 730})
    _call, _encounter, kept = _person_in_call(
        cast.agency, recorded_days_ago=1000, call_days_ago=200
    )
    _old_call, _old_encounter, gone = _person_in_call(
        cast.agency, recorded_days_ago=1000, call_days_ago=900
    )
    listed = {
        line.kind.key: line.count
        for line in retention_selectors.due_lines(SYSTEM, [cast.agency])
        if line.count
    }
    assert listed == {CALLS: 2, ENCOUNTERS: 2, PEOPLE: 1}
    retention_services.purge(SYSTEM, organization=cast.agency)
    assert _purged() == listed
    kept.refresh_from_db()
    gone.refresh_from_db()
    assert kept.family_name == SECRET  # its call (200 days ago) is within the 730 days
    assert gone.family_name == ""
    # The de-identified call still dates the kept person; the next day's run leaves them be.
    assert kept.calls.exists() and not gone.calls.exists() and not gone.encounters.exists()
    assert not Call.objects.filter(narrative__contains=SECRET).exists()
    assert not EncounterPerson.objects.exclude(race_ethnicity=[]).exists()
    later = timezone.now() + dt.timedelta(days=1)
    assert not any(
        line.count for line in retention_selectors.due_lines(SYSTEM, [cast.agency], now=later)
    )
    retention_services.purge(SYSTEM, organization=cast.agency, now=later)
    kept.refresh_from_db()
    assert kept.family_name == SECRET


def test_a_de_identified_report_keeps_no_value_its_corrections_recorded(cast):
    _schedule(cast.agency, **{ENCOUNTERS: 180})
    _call, encounter, _person = _person_in_call(
        cast.agency, recorded_days_ago=10, call_days_ago=200
    )
    EncounterAmendment.objects.create(
        encounter=encounter,
        changes={"narrative": {"from": f"{SECRET} said", "to": f"{SECRET} told"}},
        reason=f"{SECRET} was misspelt",
        amended_by=cast.admin,
    )
    retention_services.purge(SYSTEM, organization=cast.agency)
    amendment = EncounterAmendment.objects.get(encounter=encounter)
    assert SECRET not in json.dumps(amendment.changes) + amendment.reason
    assert amendment.changes == {"narrative": {"from": None, "to": None}}


def test_the_daily_purge_waits_for_three_at_night_and_never_runs_at_worker_start(cast, settings):
    from django_tasks_db.models import DBTaskResult

    from pmhc.platform import tasks

    settings.TIME_ZONE = "America/Chicago"
    chicago = ZoneInfo("America/Chicago")
    afternoon = dt.datetime(2026, 3, 7, 15, 0, tzinfo=chicago)
    assert tasks.next_purge_at(afternoon) == dt.datetime(2026, 3, 8, 3, 0, tzinfo=chicago)
    early = dt.datetime(2026, 3, 7, 1, 30, tzinfo=chicago)
    assert tasks.next_purge_at(early) == dt.datetime(2026, 3, 7, 3, 0, tzinfo=chicago)
    at_three = dt.datetime(2026, 3, 7, 3, 0, tzinfo=chicago)
    assert tasks.next_purge_at(at_three) == dt.datetime(2026, 3, 8, 3, 0, tzinfo=chicago)

    _schedule(cast.agency, **{CALLS: 180})
    _person_in_call(cast.agency, recorded_days_ago=10, call_days_ago=200)
    # A worker starts: it queues the purge for the night, and nothing of it is ready now (a
    # worker, ``--batch`` or not, runs only what is ready).
    assert any("queued for" in line for line in worker_hooks.run_startup_checks())
    queued = DBTaskResult.objects.get(task_path=tasks.daily_purge_task.module_path)
    assert not DBTaskResult.objects.ready().filter(pk=queued.pk).exists()
    assert queued.run_after is not None and queued.run_after > timezone.now()
    assert queued.run_after.astimezone(chicago).time() == dt.time(3, 0)
    assert Call.objects.filter(narrative__contains=SECRET).exists()


def test_audit_batches_are_taken_in_the_chains_sequence_not_by_time(cast, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pmhc.platform import audit
    from pmhc.platform.retention_audit import AUDIT_TRAIL

    long_ago = timezone.now() - dt.timedelta(days=800)
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: long_ago)
        for n in range(3):
            audit.record(
                AuditAction.RECORD_READ, actor=SYSTEM, organization_id=cast.agency.pk, object_id=n
            )
    _schedule(cast.agency, **{AUDIT_TRAIL: 365})
    with CaptureQueriesContext(connection) as captured:
        retention_services.purge(SYSTEM, organization=cast.agency, batch_size=2)
    batches = [
        q["sql"]
        for q in captured.captured_queries
        if "ORDER BY" in q["sql"] and '"occurred_at" <' in q["sql"] and "LIMIT 2" in q["sql"]
    ]
    assert batches
    for sql in batches:
        order = sql.split("ORDER BY")[1]
        assert '"sequence"' in order and "occurred_at" not in order, sql
    assert audit.verify().ok


def test_a_recent_contact_note_keeps_its_person_and_old_notes_go(cast):
    from pmhc.response.models import ContactNote
    from pmhc.response.retention import CONTACT_NOTES
    from pmhc.response.tests.test_contact_notes import NOTE_TEXT, _file, _scene

    scene = _scene(cast)
    note = _file(cast, scene)
    old = _file(cast, scene, note="An older note")
    Call.objects.filter(pk=scene.unit.call.pk).update(
        received_at=timezone.now() - dt.timedelta(days=900)
    )
    Person.objects.filter(pk=scene.person.pk).update(
        created_at=timezone.now() - dt.timedelta(days=1000)
    )
    ContactNote.objects.filter(pk=note.pk).update(
        created_at=timezone.now() - dt.timedelta(days=500)
    )
    ContactNote.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=800))
    _schedule(cast.agency, **{PEOPLE: 730})
    _schedule(cast.partner, **{CONTACT_NOTES: 730})
    lines = retention_selectors.due_lines(SYSTEM, [cast.agency, cast.partner])
    listed = {(line.organization.pk, line.kind.key): line.count for line in lines if line.count}
    assert listed == {(cast.partner.pk, CONTACT_NOTES): 1}
    assert any(f"contact note {old.pk}" in line.references for line in lines)
    for organization in (cast.agency, cast.partner):
        retention_services.purge(SYSTEM, organization=organization)
    assert list(ContactNote.objects.values_list("note", flat=True)) == [NOTE_TEXT]
    scene.person.refresh_from_db()
    assert scene.person.family_name == "Vale"


def test_plans_not_in_force_go_and_a_de_identified_person_takes_their_plans(cast):
    world = plan_world(cast)
    organization = world.plan.organization
    author = cast.actor(world.author)
    # A second plan, retired long ago, and the first still in force.
    other = Person.objects.create(organization=world.person.organization, family_name=SECRET)
    old = plan_services.save_draft(author, person=other, content=content()).plan
    plan_services.retire(author, plan=old)
    ResponsePlan.objects.filter(pk=old.pk).update(
        updated_at=timezone.now() - dt.timedelta(days=400)
    )
    _schedule(organization, **{PLANS: 365})
    listed = {
        line.kind.key: line.count
        for line in retention_selectors.due_lines(SYSTEM, [organization])
        if line.count
    }
    assert listed.get(PLANS) == 1
    retention_services.purge(SYSTEM, organization=organization)
    assert not ResponsePlan.objects.filter(pk=old.pk).exists()
    assert ResponsePlan.objects.filter(pk=world.plan.pk).exists()
    # De-identifying the person removes what their plan said about them.
    deidentify_people([world.person.pk])
    assert not ResponsePlan.objects.filter(pk=world.plan.pk).exists()
    assert not ResponsePlanVersion.objects.filter(plan_id=world.plan.pk).exists()

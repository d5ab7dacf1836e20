"""The retention schedule: bounds, the purge and its dry run, batches, the audit trail."""

from __future__ import annotations

import datetime as dt
import io
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from pmhc.dispatch.models import Call, CallPerson
from pmhc.dispatch.retention import CALLS
from pmhc.people.models import Consent, Person, PersonAlias
from pmhc.people.retention import CONSENTS, PEOPLE
from pmhc.platform import audit, retention, retention_selectors, retention_services
from pmhc.platform.access import system_actor
from pmhc.platform.models import AuditAction, AuditChainAnchor, AuditEvent, RetentionSchedule
from pmhc.platform.retention_audit import AUDIT_TRAIL
from pmhc.response.models import Encounter, EncounterPerson
from pmhc.response.retention import ENCOUNTERS
from pmhc.response.tests.factories import make_call
from pmhc.toolkit.models import LibraryItem, ReviewStatus, TARequest, TAStatus
from pmhc.toolkit.retention import LIBRARY_CONTACTS, TA_CONTACTS

SECRET = "Zebulon-Quartz"
OLD = 400  # days: past a schedule of 365
SYSTEM = system_actor("test")


def test_every_kind_the_issue_names_is_registered_with_sound_bounds():
    keys = {kind.key for kind in retention.kinds()}
    assert {CALLS, ENCOUNTERS, PEOPLE, CONSENTS, AUDIT_TRAIL, TA_CONTACTS, LIBRARY_CONTACTS} <= keys
    audit_kind = retention.kind(AUDIT_TRAIL)
    assert audit_kind.minimum_days == 365 and "CJIS" in str(audit_kind.bound_source)
    assert retention.kind(CALLS).bound_source == retention.PRODUCT_DEFAULT
    for kind in retention.kinds():
        assert kind.minimum_days <= kind.default_days <= kind.maximum_days
    with pytest.raises(ValueError, match="out of order"):
        retention.RecordKind(**{**retention.kind(CALLS).__dict__, "default_days": 10})


def _after(event: AuditEvent) -> dict[str, Any]:
    assert isinstance(event.after, dict)
    return event.after


def _old_call(organization, *, days=OLD, text=SECRET):
    call = make_call(organization, hours_ago=days * 24)
    Call.objects.filter(pk=call.pk).update(
        narrative=f"{text} was shouting", answers={"weapon": "no"}, latitude=41.5, longitude=-88.1
    )
    person = Person.objects.create(organization=organization, family_name=text, given_name="Ann")
    CallPerson.objects.create(call=call, person=person)
    encounter = Encounter.objects.create(
        organization=organization, call=call, narrative=f"{text} calmed down"
    )
    EncounterPerson.objects.create(encounter=encounter, person=person)
    return call, encounter, person


@pytest.fixture
def world(cast):
    """Old and new records in the agency and in an unrelated organization."""
    old = [_old_call(cast.agency) for _ in range(3)]
    new = _old_call(cast.agency, days=10, text="Recent-Name")
    elsewhere = _old_call(cast.outsider_org)
    RetentionSchedule.objects.create(organization=cast.agency, record_kind=CALLS, days=365)
    RetentionSchedule.objects.create(organization=cast.agency, record_kind=ENCOUNTERS, days=365)
    return {"old": old, "new": new, "elsewhere": elsewhere}


def _run(*args):
    out = io.StringIO()
    call_command("purge", *args, "--quiet", stdout=out)
    return out.getvalue()


def _secret_places():
    return (
        Call.objects.filter(narrative__contains=SECRET).count(),
        Encounter.objects.filter(narrative__contains=SECRET).count(),
        CallPerson.objects.count(),
        EncounterPerson.objects.count(),
    )


def test_bounds_are_enforced_on_the_server_and_nothing_is_saved(cast):
    actor = cast.actor(cast.admin)
    events = AuditEvent.objects.count()
    for days in (179, 3651):
        with pytest.raises(ValidationError) as raised:
            retention_services.set_schedules(
                actor, organization=cast.agency, days={CALLS: days, ENCOUNTERS: 400}
            )
        assert "180 to 3650 days" in str(raised.value)
    with pytest.raises(ValidationError):
        retention_services.set_schedules(actor, organization=cast.agency, days={"no.such": 400})
    assert not RetentionSchedule.objects.exists()
    assert AuditEvent.objects.count() == events
    changed = retention_services.set_schedules(
        actor, organization=cast.agency, days={CALLS: 180, ENCOUNTERS: 2555}
    )
    # The encounters' default is 2555: setting it again changes nothing.
    assert changed == [CALLS]
    assert RetentionSchedule.objects.get(organization=cast.agency, record_kind=CALLS).days == 180
    event = AuditEvent.objects.get(action=AuditAction.RETENTION_CHANGED)
    assert event.before == {"record_kind": CALLS, "days": 2555}
    assert event.after == {"record_kind": CALLS, "days": 180}


def test_only_the_organizations_administrator_sets_the_schedule(cast):
    for user in (cast.member, cast.colleague, cast.outsider):
        with pytest.raises(PermissionDenied):
            retention_services.set_schedules(
                cast.actor(user), organization=cast.agency, days={CALLS: 400}
            )
    assert not RetentionSchedule.objects.exists()


def test_dry_run_changes_nothing_and_lists_what_the_run_removes(world, cast):
    before = _secret_places()
    events = AuditEvent.objects.count()
    output = _run("--dry-run")
    assert _secret_places() == before
    assert AuditEvent.objects.count() == events
    assert "agency  Calls for service: 3 would be de-identified" in output
    assert "agency  Encounter reports: 3 would be de-identified" in output
    for call, _encounter, _person in world["old"]:
        assert f"call {call.cad_event_id}" in output
    assert world["new"][0].cad_event_id not in output
    # The unrelated organization keeps the default (seven years): nothing of it is due.
    assert "outsider" not in output
    assert SECRET not in output
    assert "nothing was changed" in output

    listed = {
        (line.organization.slug, line.kind.key): line.count
        for line in retention_selectors.due_lines(SYSTEM, [cast.agency, cast.outsider_org])
        if line.count
    }
    output = _run()
    purged = AuditEvent.objects.filter(action=AuditAction.RETENTION_PURGED)
    done = {event.object_id: _after(event)["count"] for event in purged}
    assert (
        {key: count for (_slug, key), count in listed.items()}
        == done
        == {
            CALLS: 3,
            ENCOUNTERS: 3,
        }
    )
    assert "Purged 6 records" in output
    assert Call.objects.filter(narrative__contains=SECRET).count() == 1  # the other org's
    assert Encounter.objects.filter(narrative__contains=SECRET).count() == 1
    for call, encounter, _person in world["old"]:
        call.refresh_from_db()
        encounter.refresh_from_db()
        assert call.narrative == "" and call.answers == {} and call.address == ""
        assert call.latitude is None and call.deidentified_at is not None
        assert call.is_mental_health  # what the program is measured on stays
        assert encounter.narrative == "" and encounter.deidentified_at is not None
        # The links stay (they date the person); what was recorded about the person goes.
        assert call.people.exists()
        assert encounter.people.get().race_ethnicity == []
    recent = world["new"][0]
    recent.refresh_from_db()
    assert recent.narrative.startswith("Recent-Name") and recent.people.exists()
    # A second run finds nothing: what was de-identified is no longer due.
    assert "Nothing is past the retention schedule." in _run()
    assert audit.verify().ok


def test_one_organization_only(world, cast):
    RetentionSchedule.objects.create(organization=cast.outsider_org, record_kind=CALLS, days=365)
    output = _run("--dry-run", "--organization", "outsider")
    assert "outsider  Calls for service: 1 would be de-identified" in output
    assert "agency " not in output
    _run("--organization", "outsider")
    assert Call.objects.filter(narrative__contains=SECRET).count() == 3  # the agency's stay


def test_batches_are_audited_with_their_counts(world, cast):
    for _ in range(2):
        _old_call(cast.agency)
    results = retention_services.purge(SYSTEM, organization=cast.agency, batch_size=2)
    by_kind = {result.kind.key: result for result in results}
    assert by_kind[CALLS].removed == 5 and by_kind[CALLS].batches == 3
    counts = [
        _after(event)["count"]
        for event in AuditEvent.objects.filter(
            action=AuditAction.RETENTION_PURGED, object_id=CALLS
        ).order_by("pk")
    ]
    assert counts == [2, 2, 1]
    event = AuditEvent.objects.filter(action=AuditAction.RETENTION_PURGED).first()
    assert event is not None and event.organization_id == cast.agency.pk
    assert _after(event)["action"] == "deidentify" and _after(event)["days"] == 365
    with pytest.raises(ValueError):
        retention_services.purge(SYSTEM, organization=cast.agency, batch_size=0)
    with pytest.raises(Exception, match="batch-size"):
        _run("--batch-size", "0")


def test_people_consents_and_the_publics_contact_details(cast):
    long_ago = timezone.now() - dt.timedelta(days=3000)
    old_person = Person.objects.create(
        organization=cast.agency, family_name=SECRET, created_at=long_ago
    )
    PersonAlias.objects.create(person=old_person, name=SECRET)
    kept = Person.objects.create(organization=cast.agency, family_name="Kept", created_at=long_ago)
    Consent.objects.create(
        organization=cast.agency, person=kept, valid_from=long_ago.date(), purposes=["evaluation"]
    )
    ended = Consent.objects.create(
        organization=cast.agency,
        person=kept,
        valid_from=long_ago.date(),
        revoked_at=long_ago + dt.timedelta(days=1),
    )
    request = TARequest.objects.create(
        reference="TA-2018-000001",
        status_token_hash="a" * 64,
        handled_by=cast.agency,
        status=TAStatus.COMPLETED,
        jurisdiction_name="Example County",
        jurisdiction_type="county",
        state="IL",
        contact_name=SECRET,
        agency="Example PD",
        email="someone@example.org",
        description="Help with a co-responder program.",
        received_at=long_ago,
        completed_at=long_ago,
    )
    item = LibraryItem.objects.create(
        reference="LIB-2018-000001",
        status_token_hash="b" * 64,
        reviewed_by_org=cast.agency,
        kind="policy",
        title="A policy",
        summary="A summary",
        submitter_name=SECRET,
        submitter_email="sender@example.org",
        status=ReviewStatus.REJECTED,
        submitted_at=long_ago,
    )
    retention_services.purge(SYSTEM, organization=cast.agency)
    old_person.refresh_from_db()
    kept.refresh_from_db()
    request.refresh_from_db()
    item.refresh_from_db()
    assert old_person.family_name == "" and not old_person.aliases.exists()
    assert kept.family_name == "Kept"  # a consent still in effect keeps the record
    assert not Consent.objects.filter(pk=ended.pk).exists()
    assert Consent.objects.filter(person=kept).count() == 1
    assert (request.contact_name, request.email) == ("", "")
    assert request.reference == "TA-2018-000001" and request.description
    assert (item.submitter_name, item.submitter_email) == ("", "")


@contextmanager
def _recorded_at(moment, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: moment)
        yield


def test_the_audit_trail_still_verifies_after_its_old_events_go(cast, monkeypatch):
    long_ago = timezone.now() - dt.timedelta(days=800)
    with _recorded_at(long_ago, monkeypatch):
        for n in range(4):
            audit.record(
                AuditAction.RECORD_READ,
                actor=SYSTEM,
                organization_id=cast.agency.pk,
                object_type="platform.organization",
                object_id=n,
            )
    audit.record(AuditAction.RECORD_READ, actor=SYSTEM, organization_id=cast.agency.pk)
    chain = AuditEvent.objects.filter(chain=cast.agency.pk)
    old_count = chain.filter(occurred_at__lt=timezone.now() - dt.timedelta(days=700)).count()
    assert old_count == 4
    RetentionSchedule.objects.create(organization=cast.agency, record_kind=AUDIT_TRAIL, days=365)
    output = _run("--dry-run", "--organization", "agency")
    assert "Audit trail: 4 would be deleted" in output
    results = retention_services.purge(SYSTEM, organization=cast.agency, batch_size=3)
    assert {r.kind.key: r.removed for r in results}[AUDIT_TRAIL] == 4
    assert not chain.filter(occurred_at__lt=timezone.now() - dt.timedelta(days=700)).exists()
    anchor = AuditChainAnchor.objects.get(chain=cast.agency.pk)
    assert anchor.removed == 4 and anchor.sequence == 4
    result = audit.verify()
    assert result.ok, result.message()
    purges = chain.filter(action=AuditAction.RETENTION_PURGED, object_id=AUDIT_TRAIL)
    assert [_after(event)["count"] for event in purges.order_by("pk")] == [3, 1]

    # Removing an event any other way still breaks the chain.
    first = chain.order_by("sequence").first()
    assert first is not None
    doomed = AuditEvent.objects.filter(pk=first.pk)
    doomed._raw_delete(doomed.db)
    assert not audit.verify().ok
    # And so does moving the anchor without the key.
    AuditChainAnchor.objects.filter(chain=cast.agency.pk).update(sequence=first.sequence)
    broken = audit.verify()
    assert not broken.ok and "anchor" in broken.reason


def test_the_daily_purge_is_queued_once_and_runs_every_schedule(world):
    from django_tasks_db.models import DBTaskResult

    from pmhc.platform import tasks

    assert tasks.schedule_daily_purge() != ""
    assert tasks.schedule_daily_purge() == ""  # one waiting run is enough
    assert DBTaskResult.objects.filter(task_path=tasks.daily_purge_task.module_path).count() == 1
    assert tasks.daily_purge_task.call() == "6 records purged"
    assert Call.objects.filter(narrative__contains=SECRET).count() == 1

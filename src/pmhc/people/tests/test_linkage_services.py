"""Linkage services, task and selectors: who may ask for a run, one run at a time, what a run
links and what it keeps for review, incremental runs, failures, and the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from pmhc.conftest import Cast
from pmhc.people import linkage, linkage_selectors, linkage_services, synthetic_people
from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.identity_models import (
    CandidateStatus,
    Identity,
    IdentityChange,
    IdentityChangeKind,
    LinkageRun,
    LinkageRunMode,
    LinkageRunStatus,
    LinkageSettings,
    MatchCandidate,
)
from pmhc.people.models import Person
from pmhc.people.tasks import run_linkage_task
from pmhc.platform.access import Actor
from pmhc.platform.models import AuditEvent, Organization, Purpose, Role, User
from pmhc.platform.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
CASE = Purpose.CASE_MANAGEMENT
FULL = LinkageRunMode.FULL
INCREMENTAL = LinkageRunMode.INCREMENTAL


def _person(
    org: Organization, family: str, given: str, born: dt.date | None, **more: Any
) -> Person:
    return Person.objects.create(
        organization=org, family_name=family, given_name=given, date_of_birth=born, **more
    )


def _few(org: Organization) -> dict[str, Person]:
    """A handful of records: too few to estimate a model, so the rules decide."""
    return {
        "margaret": _person(org, "Quillfeather", "Margaret", dt.date(1975, 3, 8), sex="F"),
        "peggy": _person(org, "Quillfeather", "Peggy", dt.date(1975, 3, 8), sex="F"),
        "jon": _person(org, "Brackenridge", "Jonathan", dt.date(1980, 11, 4)),
        "jon_swapped": _person(org, "Brackenridge", "Jonathan", dt.date(1980, 4, 11)),
        "father": _person(org, "Glimmerdale", "Oswin", dt.date(1950, 2, 2), address="77 Pine Rd"),
        "daughter": _person(org, "Glimmerdale", "Edda", dt.date(1978, 7, 9), address="77 Pine Rd"),
    }


def _case_manager(cast: Cast) -> Actor:
    user = MembershipFactory.create(organization=cast.agency, role=Role.CASE_MANAGER).user
    assert isinstance(user, User)
    return cast.actor(user)


def _run(actor: Actor, org: Organization, mode: str = FULL) -> LinkageRun:
    run = linkage_services.request_linkage(actor, organization=org, mode=mode, purpose=CASE)
    assert run_linkage_task.call(run.pk) == LinkageRunStatus.DONE
    run.refresh_from_db()
    return run


def _identity(person: Person) -> int | None:
    return Person.objects.get(pk=person.pk).identity_id


# --- Who may ask ---------------------------------------------------------------------------------


def test_anonymous_wrong_role_and_other_organizations_may_not_ask(cast: Cast) -> None:
    anonymous = Actor(kind="anonymous", name="")
    for actor in (
        anonymous,
        cast.actor(cast.colleague),  # an officer of the agency
        cast.actor(cast.admin),  # the agency's administrator
        cast.actor(cast.partner_user),  # a clinician of a partner under an agreement
        cast.actor(cast.outsider),
    ):
        with pytest.raises(PermissionDenied):
            linkage_services.request_linkage(
                actor, organization=cast.agency, mode=FULL, purpose=CASE
            )
    assert not LinkageRun.objects.exists()
    assert not AuditEvent.objects.filter(action=PeopleAudit.LINKAGE_REQUESTED).exists()


def test_a_keeper_asks_and_a_second_request_joins_the_first(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run = linkage_services.request_linkage(
            cast.actor(cast.member), organization=cast.agency, mode=FULL, purpose=CASE
        )
    assert run.status == LinkageRunStatus.QUEUED
    assert run.requested_by_id == cast.member.pk
    assert DBTaskResult.objects.filter(task_path=run_linkage_task.module_path).count() == 1
    again = linkage_services.request_linkage(
        _case_manager(cast), organization=cast.agency, mode=INCREMENTAL, purpose=CASE
    )
    assert again.pk == run.pk
    assert LinkageRun.objects.count() == 1
    event = AuditEvent.objects.get(action=PeopleAudit.LINKAGE_REQUESTED)
    assert event.object_id == str(run.pk)
    assert event.after == {"mode": "full", "status": "queued"}


def test_unknown_mode_is_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError):
        linkage_services.request_linkage(
            cast.actor(cast.member), organization=cast.agency, mode="everything", purpose=CASE
        )


def test_after_an_import_the_system_queues_an_incremental_run(cast: Cast) -> None:
    run = linkage_services.queue_linkage_after_import(cast.agency)
    assert run.mode == INCREMENTAL and run.requested_by_id is None
    assert linkage_services.queue_linkage_after_import(cast.agency).pk == run.pk
    event = AuditEvent.objects.get(action=PeopleAudit.LINKAGE_REQUESTED)
    assert event.actor_name == linkage_services.SYSTEM_NAME


def test_a_stalled_run_is_failed_and_a_new_one_queued(cast: Cast) -> None:
    stalled = LinkageRun.objects.create(
        organization=cast.agency,
        mode=FULL,
        status=LinkageRunStatus.RUNNING,
        started_at=timezone.now() - dt.timedelta(hours=4),
    )
    run = linkage_services.request_linkage(
        cast.actor(cast.member), organization=cast.agency, mode=FULL, purpose=CASE
    )
    assert run.pk != stalled.pk
    stalled.refresh_from_db()
    assert stalled.status == LinkageRunStatus.FAILED and "stopped" in stalled.error


# --- What a run does ---------------------------------------------------------------------------


def test_few_records_are_linked_by_rules_and_pairs_wait_for_review(cast: Cast) -> None:
    people = _few(cast.agency)
    run = _run(cast.actor(cast.member), cast.agency)
    assert "fixed rules" in run.stage and run.percent == 100
    assert run.records == 6 and run.auto_linked == 1 and run.to_review == 1
    # Everyone has an identity; the nickname pair shares one, linked by the run.
    assert not Person.objects.filter(identity__isnull=True).exists()
    assert _identity(people["margaret"]) == _identity(people["peggy"])
    change = IdentityChange.objects.get(kind=IdentityChangeKind.AUTO_LINK)
    assert change.run_id == run.pk
    # The automatic link is audited: the change, its records and its run, no name.
    linked = AuditEvent.objects.get(action=PeopleAudit.IDENTITY_AUTO_LINKED)
    assert linked.object_id == str(change.pk) and linked.after is not None
    assert linked.after["run"] == run.pk
    assert linked.after["after"] == change.after and len(change.after) == 1
    assert "Quillfeather" not in str(linked.after)
    # The swapped date waits for review, with its evidence; relatives stay apart.
    candidate = MatchCandidate.objects.get()
    assert (candidate.left_id, candidate.right_id) == (people["jon"].pk, people["jon_swapped"].pk)
    assert candidate.status == CandidateStatus.PENDING and candidate.run_id == run.pk
    assert candidate.evidence["date_of_birth"]["level"] == "Day and month swapped"
    assert _identity(people["jon"]) != _identity(people["jon_swapped"])
    assert _identity(people["father"]) != _identity(people["daughter"])
    finished = AuditEvent.objects.get(action=PeopleAudit.LINKAGE_FINISHED)
    assert finished.after is not None
    assert finished.after["auto_linked"] == 1 and finished.after["to_review"] == 1
    # A second full run asks nothing twice and links nothing again.
    second = _run(cast.actor(cast.member), cast.agency)
    assert second.auto_linked == 0 and second.to_review == 0
    assert MatchCandidate.objects.count() == 1
    assert IdentityChange.objects.count() == 1


def test_what_people_decided_wins_over_the_rules(cast: Cast) -> None:
    people = _few(cast.agency)
    left, right = people["margaret"], people["peggy"]
    MatchCandidate.objects.create(
        organization=cast.agency,
        left=left,
        right=right,
        probability=0.9,
        status=CandidateStatus.KEPT_APART,
    )
    run = _run(cast.actor(cast.member), cast.agency)
    assert run.auto_linked == 0
    assert _identity(left) != _identity(right)
    assert MatchCandidate.objects.filter(left=left, right=right).count() == 1


def test_a_pair_kept_apart_binds_every_record_of_both_people(cast: Cast) -> None:
    people = _few(cast.agency)
    stranger, r1 = people["margaret"], people["peggy"]
    r0 = _person(cast.agency, "Quillfeather", "Greta", dt.date(1975, 3, 8), sex="F")
    # r0 and r1 are one person; someone kept r0 apart from the stranger.
    one = Identity.objects.create(organization=cast.agency)
    Person.objects.filter(pk__in=[r0.pk, r1.pk]).update(identity=one)
    MatchCandidate.objects.create(
        organization=cast.agency,
        left=stranger,
        right=r0,
        probability=0.9,
        status=CandidateStatus.KEPT_APART,
    )
    run = _run(cast.actor(cast.member), cast.agency)
    # The strong pair (r1, stranger) would move r0 too: it waits for a person instead.
    assert _identity(stranger) != _identity(r1)
    assert _identity(r0) == _identity(r1) == one.pk
    assert not IdentityChange.objects.filter(kind=IdentityChangeKind.AUTO_LINK).exists()
    waiting = MatchCandidate.objects.get(left=stranger, right=r1)
    assert waiting.status == CandidateStatus.PENDING
    assert run.auto_linked == 0


def test_an_undone_automatic_link_is_not_made_again(cast: Cast) -> None:
    from pmhc.people.identity_changes import restore

    people = _few(cast.agency)
    _run(cast.actor(cast.member), cast.agency)
    restore(IdentityChange.objects.get(kind=IdentityChangeKind.AUTO_LINK))
    assert _identity(people["margaret"]) != _identity(people["peggy"])
    run = _run(cast.actor(cast.member), cast.agency)
    assert run.auto_linked == 0
    assert _identity(people["margaret"]) != _identity(people["peggy"])
    # It waits for a person instead.
    assert MatchCandidate.objects.filter(left=people["margaret"], right=people["peggy"]).exists()


def test_incremental_run_compares_only_new_records(cast: Cast) -> None:
    people = _few(cast.agency)
    first = _run(cast.actor(cast.member), cast.agency)
    assert first.started_at is not None
    # Two records that match, but resolved before the last run: an incremental run leaves
    # them; the new record is compared with everyone.
    before = first.started_at - dt.timedelta(minutes=5)
    old_a = _person(cast.agency, "Ashcombe", "Liesl", dt.date(1990, 1, 5), created_at=before)
    old_b = _person(cast.agency, "Ashcombe", "Liesl", dt.date(1990, 1, 5), created_at=before)
    for old in (old_a, old_b):
        old.identity = Identity.objects.create(organization=cast.agency)
        old.save(update_fields=["identity"])
    new = _person(cast.agency, "Quillfeather", "Maggie", dt.date(1975, 3, 8))
    run = _run(cast.actor(cast.member), cast.agency, INCREMENTAL)
    assert run.mode == INCREMENTAL
    assert _identity(new) == _identity(people["margaret"])
    assert _identity(old_a) != _identity(old_b)
    assert run.pairs_scored == 2  # the new record with Margaret and with Peggy
    full = _run(cast.actor(cast.member), cast.agency, FULL)
    assert full.auto_linked == 1
    assert _identity(old_a) == _identity(old_b)


def test_an_incremental_run_with_nothing_new_does_nothing(cast: Cast) -> None:
    _few(cast.agency)
    _run(cast.actor(cast.member), cast.agency)
    run = _run(cast.actor(cast.member), cast.agency, INCREMENTAL)
    assert (run.pairs_scored, run.auto_linked, run.to_review) == (0, 0, 0)


def test_a_failing_run_keeps_its_reason(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    _few(cast.agency)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the comparison engine is out of memory")

    monkeypatch.setattr(linkage, "deterministic_pairs", broken)
    run = linkage_services.request_linkage(
        cast.actor(cast.member), organization=cast.agency, mode=FULL, purpose=CASE
    )
    assert run_linkage_task.call(run.pk) == LinkageRunStatus.FAILED
    run.refresh_from_db()
    # People read plain words; the exception's text stays in the server's log.
    assert run.error.startswith("The run failed;")
    assert "out of memory" not in run.error
    assert run.finished_at is not None
    failed = AuditEvent.objects.get(action=PeopleAudit.LINKAGE_FAILED)
    assert "out of memory" not in str(failed.before) + str(failed.after)
    assert not IdentityChange.objects.exists()
    # The task is harmless twice; a new request makes a new run.
    assert run_linkage_task.call(run.pk) == LinkageRunStatus.FAILED
    assert run_linkage_task.call(999_999) == "missing"
    again = linkage_services.request_linkage(
        cast.actor(cast.member), organization=cast.agency, mode=FULL, purpose=CASE
    )
    assert again.pk != run.pk


def test_a_run_estimates_its_model_and_follows_the_thresholds(cast: Cast) -> None:
    rows = list(synthetic_people.generate(1200, seed=11))
    Person.objects.bulk_create(
        [
            Person(
                organization=cast.agency,
                family_name=r.mention.family_name,
                given_name=r.mention.given_name,
                date_of_birth=r.mention.date_of_birth,
                approximate_age=r.mention.approximate_age,
                sex=r.mention.sex,
                address=r.mention.address,
                description=r.mention.description,
            )
            for r in rows
        ]
    )
    kept = LinkageSettings.objects.create(organization=cast.agency, auto_link_at=0.99)
    run = _run(cast.actor(cast.member), cast.agency)
    kept.refresh_from_db()
    assert kept.model["records"] == 1200 and kept.model_trained_at is not None
    assert run.stage == "Done"
    assert run.records == 1200 and run.pairs_scored > run.auto_linked > 100
    assert run.to_review > 0
    for candidate in MatchCandidate.objects.all():
        assert kept.review_from <= candidate.probability < kept.auto_link_at
        assert candidate.left.identity_id != candidate.right.identity_id
        assert "match_weight" in candidate.evidence
    changes = IdentityChange.objects.filter(kind=IdentityChangeKind.AUTO_LINK, run=run)
    assert changes.count() > 50
    assert Identity.objects.filter(records__isnull=False).distinct().count() < 1200 - 100
    # An incremental run with the kept model: no new record, nothing to do, no new training.
    trained_at = kept.model_trained_at
    again = _run(cast.actor(cast.member), cast.agency, INCREMENTAL)
    kept.refresh_from_db()
    assert again.pairs_scored == 0 and kept.model_trained_at == trained_at


# --- Reading runs --------------------------------------------------------------------------------


def test_runs_are_read_by_keepers_of_the_organization_only(
    cast: Cast, django_assert_num_queries: Any
) -> None:
    for _ in range(3):
        LinkageRun.objects.create(organization=cast.agency, mode=FULL, status=LinkageRunStatus.DONE)
    LinkageRun.objects.create(organization=cast.outsider_org, mode=FULL)
    member = cast.actor(cast.member)
    with django_assert_num_queries(1):
        page = linkage_selectors.runs_of(
            member, organization=cast.agency, params=QueryDict(), size=2
        )
    assert len(page) == 2 and page.next_query is not None
    rest = linkage_selectors.runs_of(
        member, organization=cast.agency, params=QueryDict(page.next_query), size=2
    )
    assert len(rest) == 1
    newest = page.rows[0]
    assert linkage_selectors.run_status(member, organization=cast.agency, run_id=newest.pk)
    assert linkage_selectors.run_under_way(member, organization=cast.agency) is None
    for user in (cast.colleague, cast.partner_user, cast.outsider):
        actor = cast.actor(user)
        assert len(linkage_selectors.runs_of(actor, organization=cast.agency)) == 0
        assert (
            linkage_selectors.run_status(actor, organization=cast.agency, run_id=newest.pk) is None
        )
    anonymous = Actor(kind="anonymous", name="")
    assert len(linkage_selectors.runs_of(anonymous, organization=cast.agency)) == 0

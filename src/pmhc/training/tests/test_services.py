"""The write layer: certifications derived from completions and courses, sessions within
capacity, attendance that records the completion, the audit event of every write, and a
refused write that leaves nothing behind."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from pmhc.platform.models import AuditEvent, Role
from pmhc.platform.tests.factories import MembershipFactory, UserFactory
from pmhc.training import selectors, services
from pmhc.training.audit_codes import TrainingAudit
from pmhc.training.models import Certification, Completion, CourseKind, Trainee
from pmhc.training.tests.factories import CourseFactory, SessionFactory, TraineeFactory


def test_a_completion_grants_a_certification_by_the_courses_rules(cast):
    actor = cast.actor(cast.member)
    course = services.create_course(
        actor,
        organization=cast.agency,
        code="cit",
        name="CIT",
        kind=CourseKind.CIT,
        hours=Decimal(40),
        validity_months=24,
        refresher_due_months=12,
    )
    trainee = TraineeFactory.create(organization=cast.agency)
    completion = services.record_completion(
        actor, trainee=trainee, course=course, completed_on=dt.date(2024, 5, 10)
    )
    assert completion.hours == Decimal(40) and completion.source == "manual"
    cert = Certification.objects.get(completion=completion)
    assert (cert.kind, cert.issued_on) == ("cit", dt.date(2024, 5, 10))
    assert cert.expires_on == dt.date(2026, 5, 10)
    assert cert.refresher_due_on == dt.date(2025, 5, 10)
    # The agency changes its rule: every certification the course granted follows.
    services.update_course(
        actor,
        course=course,
        code="cit",
        name="CIT",
        kind=CourseKind.CIT,
        hours=Decimal(40),
        validity_months=None,
        refresher_due_months=None,
    )
    cert.refresh_from_db()
    assert cert.expires_on is None and cert.refresher_due_on is None
    assert AuditEvent.objects.filter(action=TrainingAudit.COURSE_SAVED).count() == 2
    assert AuditEvent.objects.filter(action=TrainingAudit.COMPLETION_RECORDED).count() == 1


def test_the_same_completion_twice_is_one_record(cast):
    actor = cast.actor(cast.member)
    course = CourseFactory.create(organization=cast.agency)
    trainee = TraineeFactory.create(organization=cast.agency)
    first = services.record_completion(
        actor, trainee=trainee, course=course, completed_on=dt.date(2024, 1, 2)
    )
    again = services.record_completion(
        actor, trainee=trainee, course=course, completed_on=dt.date(2024, 1, 2)
    )
    assert first.pk == again.pk and Completion.objects.count() == 1


def test_a_refresher_renews_cit_only_after_the_core_course(cast):
    actor = cast.actor(cast.member)
    core = CourseFactory.create(organization=cast.agency, kind=CourseKind.CIT, validity_months=24)
    refresher = CourseFactory.create(
        organization=cast.agency, kind=CourseKind.REFRESHER, validity_months=24
    )
    trainee = TraineeFactory.create(organization=cast.agency)
    early = services.record_completion(
        actor, trainee=trainee, course=refresher, completed_on=dt.date(2023, 1, 1)
    )
    assert not Certification.objects.filter(completion=early).exists()
    services.record_completion(
        actor, trainee=trainee, course=core, completed_on=dt.date(2022, 1, 1)
    )
    # Now the core course is on record before it, the earlier refresher renews CIT.
    renewed = Certification.objects.get(completion=early)
    assert renewed.kind == "cit" and renewed.expires_on == dt.date(2025, 1, 1)


def test_other_courses_grant_no_certification(cast):
    course = CourseFactory.create(organization=cast.agency, kind=CourseKind.OTHER)
    trainee = TraineeFactory.create(organization=cast.agency)
    services.record_completion(
        cast.actor(cast.member), trainee=trainee, course=course, completed_on=dt.date(2024, 1, 2)
    )
    assert Certification.objects.count() == 0


def test_a_future_completion_is_refused(cast):
    course = CourseFactory.create(organization=cast.agency)
    trainee = TraineeFactory.create(organization=cast.agency)
    with pytest.raises(ValidationError):
        services.record_completion(
            cast.actor(cast.member),
            trainee=trainee,
            course=course,
            completed_on=timezone.localdate() + dt.timedelta(days=10),
        )


def test_roster_entries_are_unique_by_badge_and_patrol_needs_a_post(cast):
    actor = cast.actor(cast.member)
    services.create_trainee(
        actor,
        organization=cast.agency,
        badge_number="1",
        last_name="A",
        first_name="B",
        role="patrol_officer",
        shift="Day",
        district="North",
    )
    with pytest.raises(ValidationError) as exc:
        services.create_trainee(
            actor,
            organization=cast.agency,
            badge_number="1",
            last_name="C",
            first_name="D",
            role="patrol_officer",
        )
    assert set(exc.value.message_dict) == {"badge_number", "shift"}
    assert AuditEvent.objects.filter(action=TrainingAudit.TRAINEE_SAVED).count() == 1


def test_only_members_of_the_agency_can_be_linked(cast):
    actor = cast.actor(cast.member)
    trainee = TraineeFactory.create(organization=cast.agency, role="non_sworn")
    with pytest.raises(ValidationError) as exc:
        services.update_trainee(
            actor,
            trainee=trainee,
            badge_number=trainee.badge_number,
            last_name="X",
            first_name="Y",
            role="non_sworn",
            user=cast.outsider,
        )
    assert "user" in exc.value.message_dict
    linked = services.update_trainee(
        actor,
        trainee=trainee,
        badge_number=trainee.badge_number,
        last_name="X",
        first_name="Y",
        role="non_sworn",
        user=cast.colleague,
    )
    assert linked.user == cast.colleague


@pytest.mark.parametrize("who", ["colleague", "partner_user", "outsider", "supervisor"])
def test_writes_are_for_coordinators_and_administrators(cast, who):
    if who == "supervisor":
        user = UserFactory.create()
        MembershipFactory.create(user=user, organization=cast.agency, role=Role.SUPERVISOR)
    else:
        user = getattr(cast, who)
    actor = cast.actor(user)
    trainee = TraineeFactory.create(organization=cast.agency)
    course = CourseFactory.create(organization=cast.agency)
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.create_trainee(
            actor,
            organization=cast.agency,
            badge_number="9",
            last_name="A",
            first_name="B",
            role="non_sworn",
        )
    with pytest.raises(PermissionDenied):
        services.record_completion(
            actor, trainee=trainee, course=course, completed_on=dt.date(2024, 1, 1)
        )
    with pytest.raises(PermissionDenied):
        services.add_standard_courses(actor, organization=cast.agency)
    assert Trainee.objects.count() == 1 and Completion.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_administrator_adds_the_standard_courses_once(cast):
    actor = cast.actor(cast.admin)
    added = services.add_standard_courses(actor, organization=cast.agency)
    assert {c.code: (c.kind, c.hours) for c in added} == {
        "cit": ("cit", Decimal(40)),
        "dispatcher_cit": ("dispatcher", Decimal(8)),
        "mhfa_ps": ("mhfa", Decimal("6.5")),
        "cit_refresher": ("refresher", None),
        "de_escalation": ("other", None),
    }
    assert services.add_standard_courses(actor, organization=cast.agency) == []


def test_sessions_fill_to_capacity_and_attendance_records_the_completion(cast):
    actor = cast.actor(cast.member)
    course = CourseFactory.create(organization=cast.agency, kind=CourseKind.CIT)
    today = timezone.localdate()
    session = services.create_session(
        actor,
        organization=cast.agency,
        course=course,
        starts_on=today - dt.timedelta(days=5),
        ends_on=today - dt.timedelta(days=1),
        location="Academy",
        capacity=1,
    )
    first, second = TraineeFactory.create_batch(2, organization=cast.agency)
    enrollment = services.enroll(actor, session=session, trainee=first)
    with pytest.raises(ValidationError, match="full"):
        services.enroll(actor, session=session, trainee=second)
    services.set_enrollment_status(actor, enrollment=enrollment, status="attended")
    completion = Completion.objects.get(trainee=first)
    assert (completion.source, completion.completed_on, completion.session) == (
        "session",
        session.ends_on,
        session,
    )
    figures = selectors.coverage_for_organization(cast.agency)
    assert figures.cit_patrol == 1
    events = AuditEvent.objects.filter(action=TrainingAudit.ENROLLMENT_CHANGED).count()
    assert events == 2


def test_attendance_waits_for_the_session_to_end(cast):
    actor = cast.actor(cast.member)
    session = SessionFactory.create(course=CourseFactory.create(organization=cast.agency))
    enrollment = services.enroll(
        actor, session=session, trainee=TraineeFactory.create(organization=cast.agency)
    )
    with pytest.raises(ValidationError):
        services.set_enrollment_status(actor, enrollment=enrollment, status="attended")
    assert Completion.objects.count() == 0


def test_a_session_belongs_to_the_agencys_own_catalogue(cast):
    other_course = CourseFactory.create(organization=cast.outsider_org)
    with pytest.raises(ValidationError):
        services.create_session(
            cast.actor(cast.member),
            organization=cast.agency,
            course=other_course,
            starts_on=dt.date(2030, 1, 1),
            ends_on=dt.date(2030, 1, 2),
            location="L",
            capacity=3,
        )

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from pmhc.platform.tests.factories import OrganizationFactory
from pmhc.training.models import (
    Certification,
    CertificationKind,
    Completion,
    CompletionSource,
    Course,
    CourseKind,
    Session,
    Trainee,
    TraineeRole,
)


class CourseFactory(factory.django.DjangoModelFactory[Course]):
    class Meta:
        model = Course

    organization = factory.SubFactory(OrganizationFactory)
    code = factory.Sequence(lambda n: f"course_{n}")
    name = factory.Sequence(lambda n: f"Course {n}")
    kind = CourseKind.CIT
    hours = Decimal(40)


class TraineeFactory(factory.django.DjangoModelFactory[Trainee]):
    class Meta:
        model = Trainee

    organization = factory.SubFactory(OrganizationFactory)
    badge_number = factory.Sequence(lambda n: f"B{n:05d}")
    last_name = factory.Sequence(lambda n: f"Surname{n}")
    first_name = "Sam"
    role = TraineeRole.PATROL
    shift = "Day"
    district = "North"


class SessionFactory(factory.django.DjangoModelFactory[Session]):
    class Meta:
        model = Session

    course = factory.SubFactory(CourseFactory)
    starts_on = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=14))
    ends_on = factory.LazyAttribute(lambda s: s.starts_on + dt.timedelta(days=4))
    location = "Training room"
    instructors = "Instructor"
    capacity = 20


def certify(
    trainee: Trainee,
    kind: str = CertificationKind.CIT,
    *,
    issued_on: dt.date,
    expires_on: dt.date | None = None,
) -> Certification:
    """A completion and the certification it grants, written directly: for selector tests
    that need a crafted roster, not the services' derivation (tested separately)."""
    course_kind = {
        CertificationKind.CIT: CourseKind.CIT,
        CertificationKind.MHFA: CourseKind.MHFA,
        CertificationKind.DISPATCHER: CourseKind.DISPATCHER,
    }[CertificationKind(kind)]
    course = Course.objects.filter(organization=trainee.organization, kind=course_kind).first()
    if course is None:
        course = CourseFactory.create(organization=trainee.organization, kind=course_kind)
    completion = Completion.objects.create(
        trainee=trainee,
        course=course,
        completed_on=issued_on,
        hours=course.hours,
        source=CompletionSource.MANUAL,
    )
    return Certification.objects.create(
        trainee=trainee,
        completion=completion,
        kind=kind,
        issued_on=issued_on,
        expires_on=expires_on,
    )

"""Every page of Train for the four callers of the boundary (anonymous, wrong role, other
organization, allowed), with nothing leaked and nothing written when refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from pmhc.platform.models import (
    AuditEvent,
    Classification,
    OrganizationKind,
    Purpose,
    Role,
)
from pmhc.platform.tests.factories import (
    AgreementFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)
from pmhc.training import services
from pmhc.training.audit_codes import TrainingAudit
from pmhc.training.models import (
    Completion,
    Course,
    CourseKind,
    Enrollment,
    RosterImport,
    Session,
    Trainee,
)
from pmhc.training.tests.factories import CourseFactory, SessionFactory, TraineeFactory

SECRET_NAME = "Zanzibarson"


@pytest.fixture
def world(cast):
    """The agency's roster with one entry whose surname must never leak, a course, a
    session with that person enrolled, and an uploaded import."""
    course = CourseFactory.create(organization=cast.agency, code="cit", kind=CourseKind.CIT)
    trainee = TraineeFactory.create(
        organization=cast.agency, last_name=SECRET_NAME, badge_number="7777"
    )
    session = SessionFactory.create(course=course)
    enrollment = Enrollment.objects.create(session=session, trainee=trainee)
    upload = RosterImport.objects.create(
        organization=cast.agency, file_name="r.csv", content="badge_number\n", sha256="0" * 64
    )
    supervisor = UserFactory.create(username="sup")
    MembershipFactory.create(user=supervisor, organization=cast.agency, role=Role.SUPERVISOR)
    return {
        "course": course,
        "trainee": trainee,
        "session": session,
        "enrollment": enrollment,
        "import": upload,
        "supervisor": supervisor,
    }


def url(name, world, key=None):
    return reverse(name, args=[world[key].pk]) if key else reverse(name)


READ_PAGES = [
    ("training_roster", None),
    ("training_courses", None),
    ("training_sessions", None),
    ("training_trainee", "trainee"),
    ("training_session", "session"),
]
WRITE_PAGES = [
    ("training_trainee_new", None),
    ("training_trainee_edit", "trainee"),
    ("training_completion_new", "trainee"),
    ("training_course_new", None),
    ("training_course_edit", "course"),
    ("training_session_new", None),
    ("training_session_edit", "session"),
    ("training_import", None),
    ("training_import_preview", "import"),
]


@pytest.mark.parametrize(("name", "key"), [*READ_PAGES, *WRITE_PAGES, ("training_home", None)])
def test_anonymous_is_sent_to_sign_in(cast, world, name, key):
    response = cast.client(None).get(url(name, world, key))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "key"), [*READ_PAGES, *WRITE_PAGES])
@pytest.mark.parametrize("who", ["colleague", "partner_user", "expired_user"])
def test_wrong_role_and_partners_get_not_found(cast, world, name, key, who):
    """An officer of the agency, and clinicians of partners (one under an agreement in force
    covering every classification and purpose): none runs the roster."""
    response = cast.client(getattr(cast, who)).get(url(name, world, key))
    assert response.status_code == 404
    assert SECRET_NAME not in response.content.decode()


@pytest.mark.parametrize(("name", "key"), [*READ_PAGES, *WRITE_PAGES])
def test_another_organization_sees_nothing_of_ours(cast, world, name, key):
    """The unrelated organization's administrator runs their own (empty) roster: lists show
    theirs; our records are not found."""
    response = cast.client(cast.outsider).get(url(name, world, key))
    assert response.status_code == (404 if key else 200)
    assert SECRET_NAME not in response.content.decode()
    assert "7777" not in response.content.decode()


@pytest.mark.parametrize(("name", "key"), [*READ_PAGES, *WRITE_PAGES, ("training_home", None)])
def test_coordinator_and_administrator_open_every_page(cast, world, name, key):
    for user in (cast.member, cast.admin):
        response = cast.client(user).get(url(name, world, key))
        assert response.status_code == 200, (name, user)


@pytest.mark.parametrize(("name", "key"), READ_PAGES)
def test_supervisor_reads(cast, world, name, key):
    assert cast.client(world["supervisor"]).get(url(name, world, key)).status_code == 200


@pytest.mark.parametrize(("name", "key"), WRITE_PAGES)
def test_supervisor_does_not_write(cast, world, name, key):
    assert cast.client(world["supervisor"]).get(url(name, world, key)).status_code == 404


def _partner_coordinator(cast, *, classifications, purposes, ends_on=None, days_ago=30):
    """A coordinator of a new partner organization, with an agreement between the partner and
    the agency."""
    today = timezone.localdate()
    partner = OrganizationFactory.create(
        slug="county-bh", name="County Behavioral Health", kind=OrganizationKind.BEHAVIORAL_HEALTH
    )
    AgreementFactory.create(
        parties=[cast.agency, partner],
        classifications=classifications,
        purposes=purposes,
        effective_on=today - dt.timedelta(days=days_ago),
        ends_on=ends_on,
    )
    user = UserFactory.create(username="partner-coordinator")
    MembershipFactory.create(user=user, organization=partner, role=Role.COORDINATOR)
    return user


def test_a_partner_coordinator_under_an_agreement_covering_agency_data_reads_a_record(cast, world):
    """The documented exception: an agreement in force that covers agency data for
    administration lets a partner's coordinator open a trainee's record."""
    user = _partner_coordinator(
        cast, classifications=[Classification.AGENCY], purposes=[Purpose.ADMINISTRATION]
    )
    events = AuditEvent.objects.count()
    response = cast.client(user).get(url("training_trainee", world, "trainee"))
    assert response.status_code == 200
    assert SECRET_NAME in response.content.decode()
    assert AuditEvent.objects.count() == events + 1  # the read is recorded
    # Reading is all it gives: the roster's writes stay with the agency.
    assert cast.client(user).get(url("training_trainee_edit", world, "trainee")).status_code == 404


@pytest.mark.parametrize(
    ("classifications", "purposes", "ends_on"),
    [
        ([Classification.PERSONAL, Classification.SAFETY], [Purpose.ADMINISTRATION], None),
        ([Classification.AGENCY], [Purpose.ACTIVE_CALL, Purpose.CASE_MANAGEMENT], None),
        ([Classification.AGENCY], [Purpose.ADMINISTRATION], dt.timedelta(days=-1)),  # ended
    ],
    ids=["not-agency-data", "not-administration", "ended"],
)
def test_a_partner_coordinator_without_such_an_agreement_gets_not_found(
    cast, world, classifications, purposes, ends_on
):
    user = _partner_coordinator(
        cast,
        classifications=classifications,
        purposes=purposes,
        ends_on=timezone.localdate() + ends_on if ends_on is not None else None,
        days_ago=400,
    )
    events = AuditEvent.objects.count()
    response = cast.client(user).get(url("training_trainee", world, "trainee"))
    assert response.status_code == 404
    assert SECRET_NAME not in response.content.decode()
    assert AuditEvent.objects.count() == events


def test_reading_a_record_is_audited(cast, world):
    before = AuditEvent.objects.filter(action=TrainingAudit.TRAINING_RECORD_READ).count()
    response = cast.client(cast.member).get(url("training_trainee", world, "trainee"))
    assert SECRET_NAME in response.content.decode()
    events = AuditEvent.objects.filter(action=TrainingAudit.TRAINING_RECORD_READ)
    assert events.count() == before + 1
    latest = events.first()
    assert latest is not None and latest.object_id == str(world["trainee"].pk)


def _counts():
    return (
        Trainee.objects.count(),
        Course.objects.count(),
        Session.objects.count(),
        Enrollment.objects.filter(status="enrolled").count(),
        Completion.objects.count(),
        RosterImport.objects.count(),
        AuditEvent.objects.count(),
    )


def _posts(world):
    return [
        ("training_trainee_new", None, {"badge_number": "1", "last_name": "A", "first_name": "B",
                                        "role": "non_sworn", "is_active": "on"}),
        ("training_trainee_edit", "trainee", {"badge_number": "7777", "last_name": "Changed",
                                              "first_name": "B", "role": "non_sworn"}),
        ("training_completion_new", "trainee", {"course": world["course"].pk,
                                                "completed_on": "2024-01-02"}),
        ("training_course_new", None, {"code": "x", "name": "X", "kind": "other"}),
        ("training_course_edit", "course", {"code": "cit", "name": "Changed", "kind": "cit",
                                            "is_active": "on"}),
        ("training_courses_standard", None, {}),
        ("training_session_new", None, {"course": world["course"].pk, "starts_on": "2030-01-01",
                                        "ends_on": "2030-01-02", "location": "L",
                                        "capacity": 5}),
        ("training_session_edit", "session", {"course": world["course"].pk,
                                              "starts_on": "2030-01-01",
                                              "ends_on": "2030-01-02", "location": "Changed",
                                              "capacity": 5}),
        ("training_session", "session", {"badge_number": "7777"}),
        ("training_enrollment_status", "enrollment", {"status": "withdrawn"}),
        ("training_import_apply", "import", {}),
    ]  # fmt: skip


KEYED = [1, 2, 4, 7, 8, 9, 10]  # the posts that name one of our records


@pytest.mark.parametrize(
    ("index", "who"),
    [
        *((i, who) for i in range(11) for who in ("colleague", "partner_user", "supervisor")),
        # Without a record named, the outsider writes to their own roster (next test).
        *((i, "outsider") for i in KEYED),
    ],
)
def test_refused_writes_leave_nothing_behind(cast, world, index, who):
    name, key, data = _posts(world)[index]
    user = world["supervisor"] if who == "supervisor" else getattr(cast, who)
    before = _counts()
    response = cast.client(user).post(url(name, world, key), data)
    assert response.status_code == 404
    assert _counts() == before
    world["trainee"].refresh_from_db()
    assert world["trainee"].last_name == SECRET_NAME


@pytest.mark.parametrize("index", [0, 3, 5, 6])
def test_another_organizations_writes_land_in_their_own_roster(cast, world, index):
    name, key, data = _posts(world)[index]
    ours = (
        Trainee.objects.filter(organization=cast.agency).count(),
        Course.objects.filter(organization=cast.agency).count(),
        Session.objects.filter(course__organization=cast.agency).count(),
    )
    response = cast.client(cast.outsider).post(url(name, world, key), data)
    assert response.status_code in {200, 302, 400}
    assert ours == (
        Trainee.objects.filter(organization=cast.agency).count(),
        Course.objects.filter(organization=cast.agency).count(),
        Session.objects.filter(course__organization=cast.agency).count(),
    )


@pytest.mark.parametrize("index", range(11))
def test_anonymous_writes_are_sent_to_sign_in(cast, world, index):
    name, key, data = _posts(world)[index]
    before = _counts()
    response = cast.client(None).post(url(name, world, key), data)
    assert response.status_code == 302
    assert _counts() == before


def test_coordinator_writes_through_the_pages(cast, world):
    client = cast.client(cast.member)
    TraineeFactory.create(organization=cast.agency, badge_number="8888")
    for name, key, data in _posts(world):
        if name in {"training_import_apply", "training_enrollment_status"}:
            continue  # covered in the import and session tests
        if name == "training_session":
            data = {"badge_number": "8888"}
        response = client.post(url(name, world, key), data)
        assert response.status_code == 302, (name, response.content.decode()[:3000])
    assert Trainee.objects.get(badge_number="7777").last_name == "Changed"
    assert Course.objects.get(code="cit").name == "Changed"
    assert world["session"].enrollments.filter(trainee__badge_number="8888").exists()
    assert Completion.objects.filter(trainee=world["trainee"], source="manual").exists()


def test_officer_sees_only_their_own_record(cast, world):
    own = TraineeFactory.create(organization=cast.agency, user=cast.colleague, last_name="Mine")
    course = world["course"]
    services.record_completion(
        cast.actor(cast.member), trainee=own, course=course, completed_on=dt.date(2024, 5, 1)
    )
    client = cast.client(cast.colleague)
    response = client.get(reverse("training_home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("training_mine")
    page = client.get(reverse("training_mine")).content.decode()
    assert "Mine" in page and "2024-05-01" in page
    assert SECRET_NAME not in page
    assert client.get(url("training_trainee", world, "trainee")).status_code == 404
    assert client.get(reverse("training_trainee", args=[own.pk])).status_code == 404


def test_an_unlinked_officer_is_told_so(cast):
    page = cast.client(cast.colleague).get(reverse("training_mine")).content.decode()
    assert "not linked" in page


def test_the_roster_lists_queries_do_not_grow_with_the_roster(cast, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = cast.client(cast.member)
    client.get(reverse("training_roster"))  # warm the session and the actor

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("training_roster") + "?shift=Day").status_code == 200
        return len(captured)

    few = queries()
    TraineeFactory.create_batch(40, organization=cast.agency)
    assert queries() == few <= 12


def test_train_is_in_the_bar_for_its_roles(cast, world):
    page = cast.client(cast.member).get(reverse("training_roster")).content.decode()
    assert 'href="/train/"' in page
    page = cast.client(cast.partner_user).get(reverse("training_mine")).content.decode()
    assert 'href="/train/"' not in page

"""A program's committee assessment: invitations, independent answers, the combined view,
agreed ratings, the report, closing, re-assessing and comparing; and who may see any of it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from pmhc.assessment import scoring, selectors, services
from pmhc.assessment.audit_codes import AssessmentAudit
from pmhc.assessment.models import AgreedRating, Answer, Assessment, Perspective, Respondent
from pmhc.assessment.tests.conftest import agree_element, answer_element
from pmhc.platform.models import AuditEvent, OutboundEmail, Role
from pmhc.platform.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened(cast):
    coordinator = cast.actor(cast.member)
    assessment = services.open_assessment(coordinator, organization=cast.agency, title="Spring")
    return coordinator, assessment


def test_invitations_bind_accounts_and_send_links(cast, opened):
    coordinator, assessment = opened
    officer = services.invite(
        coordinator, assessment=assessment, name="Officer", email=cast.colleague.email.upper()
    )
    clinician = services.invite(
        coordinator, assessment=assessment, name="Clinician", email=cast.partner_user.email
    )
    family = services.invite(
        coordinator,
        assessment=assessment,
        name="Family member",
        email="family@example.org",
        perspective=Perspective.LIVED_EXPERIENCE,
    )
    assert (officer.user, officer.perspective) == (cast.colleague, Perspective.LAW_ENFORCEMENT)
    assert (clinician.user, clinician.perspective) == (cast.partner_user, Perspective.MENTAL_HEALTH)
    assert clinician.organization_name == "Partner Clinic"
    assert family.user is None
    mails = {m.to[0]: m for m in OutboundEmail.objects.filter(purpose="assessment.invitation")}
    assert f"/assess/mine/{officer.pk}/" in mails[cast.colleague.email].body
    assert "/assess/r/" in mails["family@example.org"].body
    assert "/assess/r/" not in mails[cast.colleague.email].body  # account holders sign in
    with pytest.raises(ValidationError) as error:
        services.invite(
            coordinator, assessment=assessment, name="Again", email="FAMILY@example.org"
        )
    assert "email" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.invite(coordinator, assessment=assessment, name="Who", email="who@example.org")
    assert "perspective" in error.value.message_dict  # no account: the side must be chosen
    assert AuditEvent.objects.filter(action=AssessmentAudit.ASSESSMENT_INVITED).count() == 3


def test_each_respondent_answers_only_their_own(cast, opened, edition):
    coordinator, assessment = opened
    officer = services.invite(
        coordinator, assessment=assessment, name="Officer", email=cast.colleague.email
    )
    mine = cast.client(cast.colleague)
    assert mine.get("/assess/").context["waiting"] == [officer]
    assert mine.get(f"/assess/mine/{officer.pk}/").status_code == 200
    names = mine.get(f"/assess/mine/{officer.pk}/element/4/").context["form"].fields
    first = next(iter(names))
    response = mine.post(f"/assess/mine/{officer.pk}/element/4/", {first: "2"})
    assert response["Location"] == f"/assess/mine/{officer.pk}/element/5/"
    assert Answer.objects.get(respondent=officer).rating == 2
    # Someone else, signed in or not, cannot open or write this invitation.
    for client in (cast.client(cast.member), cast.client(cast.outsider)):
        assert client.get(f"/assess/mine/{officer.pk}/").status_code == 404
        assert client.post(f"/assess/mine/{officer.pk}/element/4/", {first: "0"}).status_code == 404
    assert Client().get(f"/assess/mine/{officer.pk}/").status_code == 404
    with pytest.raises(PermissionDenied):
        answer_element(coordinator, officer, edition, 4, {1: 0})
    assert Answer.objects.get(respondent=officer).rating == 2
    response = mine.post(f"/assess/mine/{officer.pk}/review/")
    officer.refresh_from_db()
    assert officer.submitted_at is not None and response.status_code == 302


def _committee(cast, coordinator, assessment):
    supervisor_user = UserFactory.create(username="sergeant")
    MembershipFactory.create(user=supervisor_user, organization=cast.agency, role=Role.SUPERVISOR)
    people = {
        "officer": (cast.colleague, "Officer"),
        "sergeant": (supervisor_user, "Sergeant"),
        "clinician": (cast.partner_user, "Clinician"),
    }
    result = {}
    for key, (user, name) in people.items():
        respondent = services.invite(
            coordinator, assessment=assessment, name=name, email=user.email
        )
        result[key] = (cast.actor(user), respondent)
    return result


def test_combined_view_shows_where_the_sides_disagree(cast, opened, edition):
    coordinator, assessment = opened
    committee = _committee(cast, coordinator, assessment)
    actor, respondent = committee["officer"]
    answer_element(actor, respondent, edition, 1, {1: 3, 2: 2, 3: "dk"})
    actor, respondent = committee["sergeant"]
    answer_element(actor, respondent, edition, 1, {1: 2, 2: 2})
    actor, respondent = committee["clinician"]
    answer_element(actor, respondent, edition, 1, {1: 0, 2: 2, 3: 1})

    rows = {r.item.code: r for r in selectors.combined(assessment)}
    first = rows["1.1"]
    assert (first.responses, first.low, first.high) == (3, 0, 3)
    assert first.mean == pytest.approx(5 / 3)
    assert (first.law_enforcement, first.mental_health) == (2.5, 0.0)
    assert rows["1.2"].divide == 0 and rows["1.3"].dont_know == 1
    assert [r.item.code for r in scoring.widest_divides(rows.values())] == ["1.1"]

    page = cast.client(cast.member).get(f"/assess/{assessment.pk}/combined/")
    html = page.content.decode()
    assert "law enforcement 2.5, mental health 0.0 (apart by 2.5)" in html
    assert [r.item.code for r in page.context["divides"]] == ["1.1"]


def test_agreed_ratings_make_the_report_and_closing_freezes_them(cast, opened, edition):
    coordinator, assessment = opened
    committee = _committee(cast, coordinator, assessment)
    agree_element(coordinator, assessment, edition, 1, 3)
    agree_element(coordinator, assessment, edition, 2, 1)
    report = selectors.report_for(assessment)
    assert report.element(1).score == 100 and report.element(2).score == pytest.approx(100 / 3)
    assert report.overall == pytest.approx((100 + 100 / 3) / 2)
    assert report.unanswered == edition.item_count - len(edition.element(1).items) - len(
        edition.element(2).items
    )
    # Clearing an agreement removes it; agreeing the same again changes nothing.
    key = edition.element(2).items[0].key
    assert (
        services.agree_ratings(
            coordinator, assessment=assessment, ratings={key: services.AnswerInput()}
        )
        == 1
    )
    assert not AgreedRating.objects.filter(assessment=assessment, item_key=key).exists()

    page = cast.client(cast.member).get(f"/assess/{assessment.pk}/report/")
    assert page.status_code == 200 and page.context["report"].rated == report.rated - 1

    services.close_assessment(coordinator, assessment=assessment)
    actor, respondent = committee["officer"]
    with pytest.raises(ValidationError):
        answer_element(actor, respondent, edition, 3, {1: 1})
    with pytest.raises(ValidationError):
        agree_element(coordinator, assessment, edition, 3, 1)
    assert AuditEvent.objects.filter(action=AssessmentAudit.ASSESSMENT_CLOSED).count() == 1


def test_reassessing_invites_the_same_people_and_compares(cast, opened, edition):
    coordinator, first = opened
    _committee(cast, coordinator, first)
    services.save_committee_profile(
        coordinator, assessment=first, answers={"jurisdiction_type": "county"}
    )
    agree_element(coordinator, first, edition, 1, 1)
    agree_element(coordinator, first, edition, 2, 2)
    services.close_assessment(coordinator, assessment=first)

    second = services.open_assessment(
        coordinator, organization=cast.agency, title="Autumn", invite_again_from=first
    )
    assert second.profile == {"jurisdiction_type": "county"}
    assert sorted(second.respondents.values_list("email", flat=True)) == sorted(
        first.respondents.values_list("email", flat=True)
    )
    agree_element(coordinator, second, edition, 1, 3)
    agree_element(coordinator, second, edition, 2, 1)

    page = cast.client(cast.member).get(
        f"/assess/{second.pk}/compare/", {"before": first.pk, "after": second.pk}
    )
    comparison = page.context["comparison"]
    assert comparison.elements[0].delta == pytest.approx(100 - 100 / 3)
    assert comparison.elements[1].delta == pytest.approx(100 / 3 - 200 / 3)
    assert [e.number for e in comparison.improved] == [1]
    assert [e.number for e in comparison.slipped] == [2]
    html = page.content.decode()
    assert (
        'data-testid="delta-1">+67<' in html and 'data-testid="delta-2">-34<'
    )  # 33 - 67, as shown in html


# --- Who may see and do what -----------------------------------------------------------------

READ_PAGES = ("", "combined/", "report/", "report.pdf", "answers.csv")
WRITE_PAGES = ("invite/", "profile/", "agree/1/")


def _status(client: Client, url: str) -> int:
    return client.get(url).status_code


def test_boundary_for_every_page(cast, opened):
    _coordinator, assessment = opened
    base = f"/assess/{assessment.pk}/"
    anonymous = Client()
    for page in READ_PAGES + WRITE_PAGES:
        response = anonymous.get(base + page)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    # Same organization, wrong role; a partner under an agreement in force (a clinician, who
    # does not run assessments); an expired partner; an unrelated organization: all see 404.
    for user in (cast.colleague, cast.partner_user, cast.expired_user, cast.outsider):
        client = cast.client(user)
        for page in READ_PAGES + WRITE_PAGES:
            assert _status(client, base + page) == 404, (user.username, page)
    # The organization's coordinator and administrator do everything.
    for user in (cast.member, cast.admin):
        client = cast.client(user)
        for page in READ_PAGES + WRITE_PAGES:
            assert _status(client, base + page) == 200, (user.username, page)
    # A missing assessment looks exactly the same as a forbidden one.
    assert _status(cast.client(cast.outsider), "/assess/999999/") == 404
    assert _status(cast.client(cast.member), "/assess/999999/") == 404


def test_supervisors_read_but_do_not_run_assessments(cast, opened):
    _coordinator, assessment = opened
    sergeant = UserFactory.create(username="sergeant2")
    MembershipFactory.create(user=sergeant, organization=cast.agency, role=Role.SUPERVISOR)
    client = cast.client(sergeant)
    for page in READ_PAGES:
        assert _status(client, f"/assess/{assessment.pk}/{page}") == 200
    for page in WRITE_PAGES:
        assert _status(client, f"/assess/{assessment.pk}/{page}") == 404


def test_outsiders_write_nothing(cast, opened):
    _coordinator, assessment = opened
    before = (Respondent.objects.count(), AuditEvent.objects.count())
    for user in (cast.colleague, cast.outsider, cast.partner_user):
        client = cast.client(user)
        response = client.post(
            f"/assess/{assessment.pk}/invite/",
            {"name": "Intruder", "email": "i@example.org", "perspective": "other"},
        )
        assert response.status_code == 404
        assert client.post(f"/assess/{assessment.pk}/close/").status_code == 404
        with pytest.raises(PermissionDenied):
            services.invite(
                cast.actor(user),
                assessment=assessment,
                name="Intruder",
                email="i@example.org",
                perspective="other",
            )
        with pytest.raises(PermissionDenied):
            services.open_assessment(cast.actor(user), organization=cast.agency, title="Mine")
    # Logins by the test client are audited; nothing else was written.
    assert Respondent.objects.count() == before[0]
    assert not AuditEvent.objects.filter(
        action__in=[AssessmentAudit.ASSESSMENT_INVITED, AssessmentAudit.ASSESSMENT_CLOSED]
    ).exists()
    assert Assessment.objects.filter(title="Mine").count() == 0
    assessment.refresh_from_db()
    assert assessment.is_open


def test_lists_show_only_the_actors_programs(cast, opened):
    _coordinator, assessment = opened
    other = services.open_assessment(
        cast.actor(cast.outsider), organization=cast.outsider_org, title="Theirs"
    )
    assert list(selectors.program_assessments(cast.actor(cast.member))) == [assessment]
    assert list(selectors.program_assessments(cast.actor(cast.outsider))) == [other]
    assert list(selectors.program_assessments(cast.actor(cast.colleague))) == []
    page = cast.client(cast.member).get("/assess/").content.decode()
    assert "Spring" in page and "Theirs" not in page


def test_pages_do_not_query_per_respondent_or_per_item(cast, opened, edition):
    """The combined view and the home list cost the same with two respondents or eight."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    coordinator, assessment = opened
    client = cast.client(cast.member)

    def invite(count: int, start: int) -> None:
        for number in range(start, start + count):
            respondent = services.invite(
                coordinator,
                assessment=assessment,
                name=f"Person {number}",
                email=f"person{number}@example.org",
                perspective=Perspective.MENTAL_HEALTH if number % 2 else "law_enforcement",
            )
            Answer.objects.bulk_create(
                Answer(respondent=respondent, item_key=item.key, rating=number % 4)
                for item in edition.items
            )

    def cost(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    invite(2, 0)
    few = {url: cost(url) for url in (f"/assess/{assessment.pk}/combined/", "/assess/")}
    invite(6, 2)
    assert {url: cost(url) for url in few} == few


@pytest.mark.parametrize("data", [{}, {"csrfmiddlewaretoken": "x"}, {"next": "1"}])
def test_posting_agreement_to_a_closed_assessment_says_so(cast, opened, edition, data):
    coordinator, assessment = opened
    agree_element(coordinator, assessment, edition, 1, 2)
    services.close_assessment(coordinator, assessment=assessment)
    agreed = AgreedRating.objects.count()
    response = cast.client(cast.member).post(f"/assess/{assessment.pk}/agree/1/", data)
    # An empty form leaves the page as it was; anything else is refused with the reason, never
    # a server error.
    assert response.status_code in (200, 400)
    if data:
        assert response.status_code == 400
        assert "This assessment is closed" in response.content.decode()
    assert AgreedRating.objects.count() == agreed
    assert AuditEvent.objects.filter(action=AssessmentAudit.ASSESSMENT_AGREED).count() == 1

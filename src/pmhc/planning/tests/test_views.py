"""Plan's pages: the access boundary of every page (anonymous, wrong role, other
organization, readers who may not write, writers), and what the pages show."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from pmhc.planning.audit_codes import PlanningAudit
from pmhc.planning.models import CommunityProfile, Pledge
from pmhc.planning.tests.conftest import make_profile, profile_values
from pmhc.platform.models import AuditEvent, Role
from pmhc.platform.tests.factories import MembershipFactory, UserFactory
from pmhc.training.coverage import Coverage, GroupCoverage

READ_PAGES = ("plan_home", "plan_advice", "plan_staffing", "plan_onemind")
EDIT_PAGES = ("plan_profile", "plan_pledge", "plan_policy")
#: A value only the agency's profile holds, to prove it never leaks.
SECRET_POPULATION = 987_654


def person(cast: Any, role: Role, organization: Any = None) -> Any:
    user = UserFactory.create(username=f"p-{role}")
    MembershipFactory.create(user=user, organization=organization or cast.agency, role=role)
    return user


def form_data(**overrides: Any) -> dict[str, Any]:
    values = profile_values(**overrides)
    data: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list):
            data[name] = ", ".join(str(v) for v in value)
        elif value is None:
            data[name] = ""
        else:
            data[name] = str(value)
    return data


def policy_upload(name: str = "policy.txt", body: bytes = b"Our crisis policy.\n") -> Any:
    return SimpleUploadedFile(name, body, content_type="text/plain")


@pytest.fixture
def agency_plan(cast: Any) -> CommunityProfile:
    profile = make_profile(cast.agency, population=SECRET_POPULATION)
    client = cast.client(cast.member)
    client.post(reverse("plan_pledge"), {"pledged_on": "2024-05-01"})
    client.post(
        reverse("plan_policy"),
        {"title": "Crisis policy", "adopted_on": "2024-09-01", "file": policy_upload()},
    )
    return profile


def _counts() -> tuple[int, int, int]:
    return CommunityProfile.objects.count(), Pledge.objects.count(), AuditEvent.objects.count()


def _posts() -> list[tuple[str, dict[str, Any]]]:
    return [
        ("plan_profile", form_data(population=1)),
        ("plan_pledge", {"pledged_on": "2020-01-01"}),
        ("plan_policy", {"title": "Other", "adopted_on": "", "file": policy_upload()}),
    ]


# --- The boundary ---------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(cast, agency_plan):
    client = cast.client(None)
    before = _counts()
    for name in (*READ_PAGES, *EDIT_PAGES, "plan_policy_file"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert "/accounts/login/" in response["Location"] or "login" in response["Location"]
    for name, data in _posts():
        assert client.post(reverse(name), data).status_code == 302
    assert _counts() == before


@pytest.mark.parametrize("who", ["colleague", "partner_user", "expired_user"])
def test_wrong_role_and_partners_get_404_and_write_nothing(cast, agency_plan, who):
    client = cast.client(getattr(cast, who))
    before = _counts()
    for name in (*READ_PAGES, *EDIT_PAGES, "plan_policy_file"):
        response = client.get(reverse(name))
        assert response.status_code == 404, name
        assert str(SECRET_POPULATION) not in response.content.decode()
    for name, data in _posts():
        assert client.post(reverse(name), data).status_code == 404
    assert _counts() == before
    assert agency_population(cast) == SECRET_POPULATION


def agency_population(cast: Any) -> int:
    return CommunityProfile.objects.get(organization=cast.agency).population


def test_other_organization_sees_and_changes_only_its_own_plan(cast, agency_plan):
    client = cast.client(cast.outsider)  # administrator of the unrelated organization
    for name in READ_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        body = response.content.decode()
        assert "987,654" not in body and str(SECRET_POPULATION) not in body
        assert "Crisis policy" not in body
    assert client.get(reverse("plan_policy_file")).status_code == 404
    events = AuditEvent.objects.count()
    response = client.post(reverse("plan_profile"), form_data(population=5))
    assert response.status_code == 302
    assert agency_population(cast) == SECRET_POPULATION
    assert CommunityProfile.objects.get(organization=cast.outsider_org).population == 5
    assert AuditEvent.objects.count() == events + 1


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ANALYST])
def test_readers_read_but_do_not_write(cast, agency_plan, role):
    client = cast.client(person(cast, role))
    for name in READ_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert "Change the community profile" not in response.content.decode()
    before = _counts()
    for name in EDIT_PAGES:
        assert client.get(reverse(name)).status_code == 404
    for name, data in _posts():
        assert client.post(reverse(name), data).status_code == 404
    assert _counts() == before
    assert client.get(reverse("plan_policy_file")).status_code == 200


@pytest.mark.parametrize("who", ["member", "admin"])
def test_writers_open_every_page(cast, agency_plan, who):
    client = cast.client(getattr(cast, who))
    for name in (*READ_PAGES, *EDIT_PAGES):
        assert client.get(reverse(name)).status_code == 200, name
    assert "987,654" in client.get(reverse("plan_home")).content.decode()


def test_pages_take_a_fixed_number_of_queries(cast, agency_plan, django_assert_max_num_queries):
    client = cast.client(cast.member)
    client.get(reverse("plan_onemind"))  # warm the session
    for name in READ_PAGES:
        with django_assert_max_num_queries(16):
            assert client.get(reverse(name)).status_code == 200


def test_pages_without_a_profile(cast):
    client = cast.client(cast.member)
    for name in READ_PAGES:
        assert client.get(reverse(name)).status_code == 200
    assert "No community profile yet." in client.get(reverse("plan_advice")).content.decode()
    assert "Enter the community profile" in client.get(reverse("plan_home")).content.decode()
    assert client.get(reverse("plan_policy_file")).status_code == 404


def test_navigation_offers_plan_to_the_roles_it_serves(cast):
    def has_plan(user: Any) -> bool:
        return 'href="/plan/"' in cast.client(user).get("/").content.decode()

    assert has_plan(cast.member) and has_plan(cast.admin)
    assert has_plan(person(cast, Role.SUPERVISOR))
    assert not has_plan(cast.colleague) and not has_plan(cast.partner_user)
    # Analysts read the plan (the page answers them), so the bar offers it.
    analyst = person(cast, Role.ANALYST)
    assert has_plan(analyst)
    assert cast.client(analyst).get(reverse("plan_home")).status_code == 200


# --- What the pages do ----------------------------------------------------------------------


def test_coordinator_saves_the_profile_with_before_and_after(cast):
    client = cast.client(cast.member)
    response = client.post(reverse("plan_profile"), form_data())
    assert response.status_code == 302
    profile = CommunityProfile.objects.get(organization=cast.agency)
    assert profile.shifts == ["Day", "Evening", "Night"]
    assert profile.updated_by == cast.member
    created: Any = AuditEvent.objects.filter(action=PlanningAudit.PROFILE_SAVED).get()
    assert created.before is None and created.after["population"] == 120_000
    assert created.organization_id == cast.agency.pk

    pattern = ", ".join(["1"] * 12 + ["3"] * 12)
    response = client.post(
        reverse("plan_profile"), form_data(population=125_000) | {"hourly_pattern": pattern}
    )
    assert response.status_code == 302
    changed: Any = AuditEvent.objects.filter(action=PlanningAudit.PROFILE_SAVED).latest("sequence")
    assert changed.before["population"] == 120_000
    assert changed.after["population"] == 125_000
    assert changed.after["hourly_pattern"] == [1.0] * 12 + [3.0] * 12

    # Saving the same values again writes nothing.
    events = AuditEvent.objects.count()
    client.post(
        reverse("plan_profile"), form_data(population=125_000) | {"hourly_pattern": pattern}
    )
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"shifts": "A, B, C, D, E"}, "shifts", "equal shifts"),
        ({"shifts": "Day, day"}, "shifts", "only once"),
        ({"hourly_pattern": "1, 2, 3"}, "hourly_pattern", "Enter 24 numbers; you entered 3."),
        ({"weekday_pattern": "1, x, 3"}, "weekday_pattern", "numbers only"),
        ({"mh_calls_per_year": "", "mh_call_percent": ""}, "mh_calls_per_year", "or their"),
        ({"mh_calls_per_year": "70000"}, "mh_calls_per_year", "cannot be more"),
        ({"population": "many"}, "population", "whole number"),
        ({"service_target_percent": "100"}, "service_target_percent", "1 to 99"),
        ({"on_scene_minutes": "4800"}, "on_scene_minutes", "at most 1440 minutes"),
        ({"travel_minutes": "1440.1"}, "travel_minutes", "at most 1440 minutes"),
    ],
)
def test_profile_errors_are_shown_by_the_field(cast, change, field, message):
    client = cast.client(cast.member)
    response = client.post(reverse("plan_profile"), form_data() | change)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not CommunityProfile.objects.exists()
    assert 'aria-invalid="true"' in response.content.decode()


def test_advice_page_shows_ranking_reasons_and_fired_rules(cast):
    make_profile(cast.agency, has_mobile_crisis=True, has_crisis_line=True)
    body = cast.client(cast.member).get(reverse("plan_advice")).content.decode()
    assert "Mobile crisis team" in body
    assert "mobile-crisis-team" in body and "no-receiving-center" in body
    assert "Prerequisites still missing" in body
    assert "A crisis receiving or stabilization center that accepts police drop-offs." in body


def test_staffing_page_shows_each_shift_with_chart_and_table(cast):
    make_profile(cast.agency, mh_calls_per_year=8_760)  # 1 call an hour, 60 minutes each
    response = cast.client(cast.member).get(reverse("plan_staffing"))
    body = response.content.decode()
    assert response.status_code == 200
    for name in ("Day", "Evening", "Night"):
        assert f"{name} shift (from" in body
        assert f"Units on duty, {name} shift" in body
    # 1 E, 80% within 10 minutes of 60-minute calls: 3 units (Erlang C).
    assert (
        "Units needed: 3 units meet the target of 80% with a unit free within 10 minutes." in body
    )
    assert body.count("<svg") >= 3
    assert "CIT officers needed: 3 on the shift" in body  # 1 - B(3, 1) = 15/16 >= 90%


def test_a_load_too_large_to_staff_is_a_result_not_an_error(cast):
    """1,000,000 mental health calls a year, each a day on scene and a day's travel (the
    largest times a profile may hold): over 5,000 units busy on every shift."""
    make_profile(
        cast.agency,
        calls_per_year=1_000_000,
        mh_calls_per_year=1_000_000,
        on_scene_minutes=Decimal("1440.0"),
        travel_minutes=Decimal("1440.0"),
    )
    client = cast.client(cast.member)
    response = client.get(reverse("plan_staffing"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("This shift cannot be staffed within 5,000 units") == 3
    assert "Units on duty" not in body  # no table of candidates
    home = client.get(reverse("plan_home"))
    assert home.status_code == 200
    assert "Day more than 5,000, Evening more than 5,000, Night more than 5,000." in (
        home.content.decode()
    )


def test_staffing_page_says_what_the_figures_leave_out(cast):
    make_profile(cast.agency)
    body = cast.client(cast.member).get(reverse("plan_staffing")).content.decode()
    assert "the travel time comes on top" in body
    assert "counts only the load of mental health calls" in body
    assert 'aria-hidden="true">✓</span>' in body
    assert "Reached within" not in body


def _coverage(organization_id: int, on: dt.date, sworn: int, cit: int, mhfa: int) -> Coverage:
    return Coverage(
        organization_id=organization_id, on=on, sworn=sworn, patrol=sworn, cit_sworn=cit,
        cit_patrol=cit, mhfa_sworn=mhfa, dispatchers=4, dispatchers_trained=1, volunteers=cit,
        assigned=0, expiring_soon=0,
        by_shift=(GroupCoverage("Day", sworn // 2, cit), GroupCoverage("Night", sworn // 2, 0)),
        by_district=(),
    )  # fmt: skip


def test_tracker_reads_live_evidence(cast, agency_plan, monkeypatch):
    """The agreement in force with the partner clinic (a behavioral health organization),
    the adopted policy, and Train's coverage, which changes as completions are recorded."""
    calls: list[tuple[int, dt.date]] = []
    figures = {"cit": 4, "mhfa": 10}

    def fake(organization: Any, on: dt.date) -> Coverage:
        calls.append((organization.pk, on))
        return _coverage(organization.pk, on, 40, figures["cit"], figures["mhfa"])

    monkeypatch.setattr("pmhc.training.selectors.coverage_for_organization", fake)
    client = cast.client(cast.member)
    response = client.get(reverse("plan_onemind"))
    tracker = response.context["tracker"]
    assert calls and calls[0][0] == cast.agency.pk
    assert [r.status for r in tracker.requirements] == ["met", "met", "in_progress", "in_progress"]
    body = response.content.decode()
    assert "Partner Clinic" in body and "Requirements: 2 of 4 met" in body
    assert "4 more CIT-certified officers to reach 20%." in body
    assert "Pledge taken on 2024-05-01." in body

    figures.update(cit=8, mhfa=32)
    body = client.get(reverse("plan_onemind")).content.decode()
    assert "Requirements: 4 of 4 met" in body


def test_tracker_shows_an_agreements_title_only_to_those_who_manage_agreements(cast):
    """Administrators manage agreements (Action.MANAGE) and see the title; every other reader
    of the plan sees that an agreement with the partner is in force, and its dates."""
    agreement = cast.partner.agreements.get()
    agreement.title = "Confidential crisis MOU 2025"
    agreement.save(update_fields=["title"])
    dates = f"from {agreement.effective_on} to {agreement.ends_on}"

    body = cast.client(cast.admin).get(reverse("plan_onemind")).content.decode()
    assert (
        f"Agreement in force: Confidential crisis MOU 2025, with Partner Clinic ({dates})." in body
    )

    for role in (Role.COORDINATOR, Role.SUPERVISOR, Role.ANALYST):
        response = cast.client(person(cast, role)).get(reverse("plan_onemind"))
        assert response.status_code == 200
        body = response.content.decode()
        assert "Confidential crisis MOU" not in body, role
        assert f"An agreement with Partner Clinic is in force ({dates})." in body, role
        assert response.context["tracker"].requirements[0].status == "met"


def test_tracker_hides_the_title_of_an_agreement_that_has_ended(cast):
    agreement = cast.partner.agreements.get()
    agreement.title = "Confidential crisis MOU 2025"
    agreement.effective_on = timezone.localdate() - dt.timedelta(days=400)
    agreement.ends_on = timezone.localdate() - dt.timedelta(days=40)
    agreement.save(update_fields=["title", "effective_on", "ends_on"])
    body = cast.client(cast.member).get(reverse("plan_onemind")).content.decode()
    assert "Confidential crisis MOU" not in body
    assert (
        f"An agreement with Partner Clinic was in force from {agreement.effective_on} to "
        f"{agreement.ends_on}." in body
    )


def test_tracker_without_an_agreement_in_force(cast):
    cast.agency.agreements.all().delete()
    tracker = cast.client(cast.member).get(reverse("plan_onemind")).context["tracker"]
    assert tracker.requirements[0].status == "missing"


def test_advice_reads_coverage_gaps(cast, monkeypatch):
    make_profile(cast.agency)
    monkeypatch.setattr(
        "pmhc.training.selectors.coverage_for_organization",
        lambda organization, on: _coverage(organization.pk, on, 40, 9, 0),
    )
    body = cast.client(cast.member).get(reverse("plan_advice")).content.decode()
    assert (
        "On the Train roster, no patrol officer with a current CIT certification works on: Night."
        in body
    )
    staffing = cast.client(cast.member).get(reverse("plan_staffing")).content.decode()
    assert "Certified now (from Train): 9 of 20 patrol officers on this shift." in staffing


def test_policy_upload_and_audited_download(cast):
    client = cast.client(cast.member)
    response = client.post(
        reverse("plan_policy"),
        {
            "title": "Crisis policy",
            "adopted_on": "2025-01-02",
            "file": policy_upload("Our policy.txt"),
        },
    )
    assert response.status_code == 302
    pledge = Pledge.objects.get(organization=cast.agency)
    assert pledge.policy_file_name == "Our policy.txt"
    assert "Our policy" not in pledge.policy_file.name and pledge.policy_file.name.endswith(".bin")
    adopted: Any = AuditEvent.objects.get(action=PlanningAudit.POLICY_ADOPTED)
    assert adopted.after["policy_adopted_on"] == "2025-01-02"

    response = client.get(reverse("plan_policy_file"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"Our crisis policy.\n"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    read = AuditEvent.objects.get(action=PlanningAudit.POLICY_FILE_READ)
    assert read.actor_id == cast.member.pk and read.organization_id == cast.agency.pk


def test_policy_form_rejects_bad_files(cast):
    client = cast.client(cast.member)
    disguised = SimpleUploadedFile("policy.txt", b"<html><script>x</script>", "text/plain")
    response = client.post(reverse("plan_policy"), {"title": "P", "file": disguised})
    assert response.status_code == 400
    assert "Web pages and scripts cannot be attached" in response.content.decode()
    sheet = SimpleUploadedFile("p.csv", b"a,b\n1,2\n", "text/csv")
    response = client.post(reverse("plan_policy"), {"title": "P", "file": sheet})
    assert "PDF, Word (.docx) or text file" in response.content.decode()
    response = client.post(reverse("plan_policy"), {"title": "P"})
    assert "Attach the policy document." in response.content.decode()
    assert not Pledge.objects.exists()


def test_pledge_date(cast):
    client = cast.client(cast.member)
    assert client.post(reverse("plan_pledge"), {"pledged_on": "2024-02-29"}).status_code == 302
    event: Any = AuditEvent.objects.get(action=PlanningAudit.PLEDGE_SAVED)
    assert event.after == {"pledged_on": "2024-02-29"}
    body = client.get(reverse("plan_onemind")).content.decode()
    assert "between 2025-02-28 and 2027-02-28" in body or "closed" in body
    far = (timezone.localdate() + dt.timedelta(days=800)).isoformat()
    response = client.post(reverse("plan_pledge"), {"pledged_on": far})
    assert response.status_code == 400

"""Program changes: recorded, corrected and removed by coordinators and administrators,
read by analysts, audited, and out of reach of every other role and organization."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from pmhc.conftest import Cast
from pmhc.evaluation import change_services
from pmhc.evaluation.audit_codes import EvaluationAudit
from pmhc.evaluation.models import ProgramChange, ProgramChangeKind
from pmhc.platform.models import AuditEvent, Role, User
from pmhc.platform.tests.factories import MembershipFactory, UserFactory

START = dt.date(2026, 6, 1)


def _analyst(cast: Cast) -> User:
    user = UserFactory.create(username="analyst")
    MembershipFactory.create(user=user, organization=cast.agency, role=Role.ANALYST)
    return user


def _change(cast: Cast, **overrides: object) -> ProgramChange:
    values: dict = {
        "kind": ProgramChangeKind.CO_RESPONDER,
        "name": "Co-responder team started",
        "started_on": START,
        "note": "Two clinicians ride with patrol.",
    }
    values.update(overrides)
    return change_services.save_change(cast.actor(cast.member), organization=cast.agency, **values)


def test_a_coordinator_records_corrects_and_removes_a_change_each_audited(cast: Cast) -> None:
    change = _change(cast)
    saved = AuditEvent.objects.get(action=EvaluationAudit.PROGRAM_CHANGE_SAVED)
    assert saved.organization_id == cast.agency.pk and saved.object_id == str(change.pk)
    assert (saved.after or {})["started_on"] == "2026-06-01" and saved.before is None
    assert change.created_by_id == cast.member.pk
    change_services.save_change(
        cast.actor(cast.admin),
        organization=cast.agency,
        change=change,
        kind=ProgramChangeKind.CO_RESPONDER,
        name="Co-responder team started",
        started_on=START + dt.timedelta(days=7),
    )
    corrected = AuditEvent.objects.filter(action=EvaluationAudit.PROGRAM_CHANGE_SAVED).latest("pk")
    assert (corrected.before or {})["started_on"] == "2026-06-01"
    assert (corrected.after or {})["started_on"] == "2026-06-08"
    pk = change.pk
    change_services.remove_change(cast.actor(cast.member), change=change)
    assert not ProgramChange.objects.exists()
    removed = AuditEvent.objects.get(action=EvaluationAudit.PROGRAM_CHANGE_REMOVED)
    assert removed.object_id == str(pk) and removed.after is None
    assert (removed.before or {})["name"] == "Co-responder team started"


def test_other_roles_and_organizations_may_not_write(cast: Cast) -> None:
    for user in (cast.colleague, _analyst(cast)):
        with pytest.raises(PermissionDenied):
            change_services.save_change(
                cast.actor(user),
                organization=cast.agency,
                kind=ProgramChangeKind.CIT,
                name="CIT",
                started_on=START,
            )
    with pytest.raises(PermissionDenied):
        change_services.save_change(
            cast.actor(cast.outsider),
            organization=cast.agency,
            kind=ProgramChangeKind.CIT,
            name="CIT",
            started_on=START,
        )
    change = _change(cast)
    with pytest.raises(PermissionDenied):
        change_services.remove_change(cast.actor(cast.outsider), change=change)
    assert not AuditEvent.objects.filter(action=EvaluationAudit.PROGRAM_CHANGE_REMOVED).exists()


def test_the_service_refuses_a_bad_day_kind_or_a_duplicate(cast: Cast) -> None:
    _change(cast)
    with pytest.raises(ValidationError) as caught:
        _change(cast)
    assert "name" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        _change(cast, kind="bogus", started_on=dt.date(1980, 1, 1), name="Other")
    assert set(caught.value.message_dict) == {"kind", "started_on"}


def test_the_pages_boundary(cast: Cast) -> None:
    change = _change(cast)
    urls = [
        reverse("evaluation_changes"),
        reverse("evaluation_change_new"),
        reverse("evaluation_change_edit", args=[change.pk]),
    ]
    for url in urls:
        response = cast.client(None).get(url)
        assert response.status_code == 302 and "login" in response["Location"]
        assert cast.client(cast.colleague).get(url).status_code == 404
        assert cast.client(cast.partner_user).get(url).status_code == 404
        assert cast.client(cast.member).get(url).status_code == 200
    # Another organization's administrator has a list of its own, without ours.
    outsider = cast.client(cast.outsider)
    page = outsider.get(urls[0])
    assert page.status_code == 200 and "Co-responder team started" not in page.text
    assert outsider.get(urls[2]).status_code == 404
    analyst = cast.client(_analyst(cast))
    page = analyst.get(urls[0])
    assert page.status_code == 200 and "Co-responder team started" in page.text
    assert reverse("evaluation_change_new") not in page.text
    assert analyst.get(urls[1]).status_code == 404
    assert analyst.get(urls[2]).status_code == 404
    remove = reverse("evaluation_change_remove", args=[change.pk])
    assert cast.client(cast.outsider).post(remove).status_code == 404
    assert analyst.post(remove).status_code == 404
    missing = reverse("evaluation_change_edit", args=[change.pk + 1000])
    assert cast.client(cast.member).get(missing).status_code == 404
    assert ProgramChange.objects.count() == 1


def test_the_form_shows_its_errors_at_the_top_and_saves(cast: Cast) -> None:
    client = cast.client(cast.member)
    url = reverse("evaluation_change_new")
    response = client.post(url, {"kind": "cit", "name": "", "started_on": "not a day"})
    assert response.status_code == 400
    assert "data-error-summary" in response.text and 'href="#id_name"' in response.text
    response = client.post(
        url, {"kind": "cit", "name": "CIT program started", "started_on": "2025-03-03"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("evaluation_changes")
    change = ProgramChange.objects.get()
    assert change.started_on == dt.date(2025, 3, 3) and change.organization_id == cast.agency.pk
    edit = reverse("evaluation_change_edit", args=[change.pk])
    response = client.post(
        edit, {"kind": "cit", "name": "CIT program started", "started_on": "2025-03-10"}
    )
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.started_on == dt.date(2025, 3, 10)
    response = client.post(reverse("evaluation_change_remove", args=[change.pk]))
    assert response.status_code == 302 and not ProgramChange.objects.exists()


def test_the_list_is_one_bounded_query(cast: Cast, django_assert_num_queries: object) -> None:
    for n in range(5):
        _change(cast, name=f"Change {n}")
    client = cast.client(cast.member)
    client.get(reverse("evaluation_changes"))
    with django_assert_num_queries(QUERIES):  # type: ignore[operator]
        response = client.get(reverse("evaluation_changes"))
    assert response.text.count("Change ") >= 5


QUERIES = 9
